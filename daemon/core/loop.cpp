#include "core/loop.hpp"

#include <algorithm>

namespace scxd {

Loop::Loop(Backend &backend, PolicyRef policy, const LoopOptions &options)
    : backend_(backend), policy_(policy), options_(options), custody_(options.max_tasks),
      fallback_(options.max_tasks),
      // One pass adds at most a full queued ring (refused tasks) plus one pick; the queued
      // ring holds at most twice max_tasks records (power-of-two rounding).
      backlog_(2 * static_cast<std::size_t>(options.max_tasks) + 64)
{
}

namespace {

std::uint64_t to_ns(std::chrono::steady_clock::time_point t)
{
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

} // namespace

void Loop::on_task(void *self, const scxd_task &task) { static_cast<Loop *>(self)->offer(task); }

void Loop::offer(const scxd_task &task)
{
    if ((task.flags & SCXD_TASK_WAKEUP) == 0)
        ++requeued_in_drain_;
    if (custody_.insert(task, pass_ns_)) {
        if (policy_.on_enqueue(task) == 0)
            return;
        custody_.erase(task.pid);
    }
    // The policy cannot hold it: run it on the first free CPU so it is never lost.
    ++own_.policy_rejected;
    scxd_decision d = scxd_decision_for(&task, SCXD_CPU_ANY);
    if (sanitize(d) && send(d))
        ++sent_in_drain_;
}

void Loop::on_exited(void *self, std::int32_t pid)
{
    auto &loop = *static_cast<Loop *>(self);
    loop.custody_.erase(pid);
    loop.policy_.on_exit(pid);
}

void Loop::swap_policy(PolicyRef next)
{
    // Snapshot first: offer() changes custody while we walk it.
    std::vector<scxd_task> held;
    held.reserve(custody_.size());
    custody_.for_each([&](const scxd_task &t) { held.push_back(t); });
    custody_.clear();
    policy_ = next;
    on_fallback_ = false;
    // Each policy's vtimes are its own (a vruntime clock starts at 0, FIFO counts decisions):
    // shift the new one's past every vtime sent so far, or the tasks the old one already
    // queued would wait behind all of the new one's and starve.
    vtime_base_ = max_vtime_;
    fifo_seq_ = 0;
    sent_in_drain_ = 0;
    for (const auto &t : held)
        offer(t);
}

bool Loop::sanitize(scxd_decision &d)
{
    if (d.pid <= 0) {
        ++own_.invalid_decisions;
        return false;
    }
    const auto cpu = d.cpu;
    if (cpu != SCXD_CPU_ANY && (cpu < 0 || static_cast<std::uint32_t>(cpu) >= options_.nr_cpus)) {
        d.cpu = SCXD_CPU_ANY; // out of range: any CPU is still a valid place to run
        ++own_.invalid_cpus;
    }
    if (d.slice_ns == 0)
        d.slice_ns = options_.default_slice_ns; // never the kernel's "keep current slice"
    if (d.vtime == 0)
        d.vtime = ++fifo_seq_;
    d.vtime += vtime_base_;
    if (static_cast<std::int64_t>(d.vtime - max_vtime_) > 0) // the kernel's order: mod 2^64
        max_vtime_ = d.vtime;
    // A standing decision needs both; BPF and the simulator take them as they come.
    if (d.requeue_scale == 0 || d.requeue_max == 0)
        d.requeue_scale = d.requeue_max = 0;
    d.requeue_max = std::min(d.requeue_max, SCXD_REQUEUE_MAX);
    d.requeue_flags = d.requeue_max > 0 ? d.requeue_flags & SCXD_REQUEUE_WAKEUPS : 0;
    d.reserved0 = 0;
    if ((d.requeue_flags & SCXD_REQUEUE_WAKEUPS) == 0)
        d.wake_lag = d.wake_window_ns = d.wake_preempt_gran = 0;
    d.wake_window_ns = std::min(d.wake_window_ns, SCXD_WAKE_WINDOW_MAX_NS);
    return true;
}

bool Loop::send(const scxd_decision &d)
{
    if (backlog_size_ == 0 && backend_.dispatch(d) == DispatchStatus::ok)
        return true;
    if (backlog_size_ == 0)
        ++own_.ring_full;
    if (backlog_size_ == backlog_.size()) {
        ++own_.invalid_decisions; // unreachable by construction (see the constructor)
        return false;
    }
    backlog_[(backlog_head_ + backlog_size_) % backlog_.size()] = d;
    ++backlog_size_;
    return false;
}

bool Loop::flush_backlog()
{
    while (backlog_size_ > 0) {
        if (backend_.dispatch(backlog_[backlog_head_]) != DispatchStatus::ok) {
            ++own_.ring_full;
            return false;
        }
        backlog_head_ = (backlog_head_ + 1) % backlog_.size();
        --backlog_size_;
    }
    return true;
}

void Loop::check_deadline()
{
    const auto deadline = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.policy_deadline).count());
    if (deadline == 0 || on_fallback_ || pass_ns_ < next_deadline_check_ns_)
        return;
    // A scan of custody, so not every pass: often enough to act within 1.125 deadlines.
    next_deadline_check_ns_ = pass_ns_ + deadline / 8;
    const std::uint64_t oldest = custody_.oldest_since();
    if (custody_.size() == 0 || pass_ns_ - oldest <= deadline)
        return;
    const std::string_view from = policy_.name();
    swap_policy(fallback_.ref());
    on_fallback_ = true;
    ++own_.policy_fallbacks;
    if (options_.on_fallback != nullptr)
        options_.on_fallback(options_.fallback_ctx, from,
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::nanoseconds(pass_ns_ - oldest)));
}

PassResult Loop::run_pass()
{
    PassResult r;
    ++own_.loop_passes;
    pass_ns_ = to_ns(options_.now());
    const std::size_t waiting = backlog_size_;
    const bool flushed = flush_backlog();
    r.dispatched += waiting - backlog_size_;
    if (!flushed)
        return r; // ring still full: the kernel has to drain it first; tasks wait in its ring
    sent_in_drain_ = 0;
    requeued_in_drain_ = 0;
    r.drained = backend_.drain(TaskSink{&Loop::on_task, this, &Loop::on_exited});
    r.dispatched += sent_in_drain_;
    r.requeued = requeued_in_drain_;
    check_deadline(); // before picking: a fallback's picks go out in this pass
    scxd_decision d{};
    while (r.dispatched < options_.max_picks_per_pass && policy_.pick(d)) {
        ++own_.scheduled;
        std::uint64_t cookie = 0;
        if (!custody_.take(d.pid, cookie)) {
            ++own_.invalid_decisions; // a pid it does not hold: unknown, or picked twice
            continue;
        }
        d.cookie = cookie; // the latest enqueue's, whatever the policy copied
        if (!sanitize(d))
            continue;
        if (!send(d))
            break; // kept in the backlog; stop picking until the kernel drained the ring
        ++r.dispatched;
        if (d.requeue_max > 0)
            ++r.standing;
    }
    if (options_.progress != nullptr)
        options_.progress->fetch_add(1, std::memory_order_relaxed);
    return r;
}

std::optional<ExitInfo> Loop::run(const std::atomic<bool> &stop)
{
    using clock = std::chrono::steady_clock; // vDSO: no syscall
    auto next_hook = clock::now() + options_.periodic.interval;
    while (!stop.load(std::memory_order_relaxed)) {
        if (options_.periodic.fn != nullptr && clock::now() >= next_hook) {
            options_.periodic.fn(options_.periodic.ctx, *this);
            next_hook = clock::now() + options_.periodic.interval;
        }
        if (auto info = backend_.exit_info())
            return info;
        const PassResult r = run_pass();
        const std::uint64_t pending = policy_.nr_pending() + backlog_size_;
        backend_.notify_complete(pending);
        switch (after_pass(r, pending)) {
        case AfterPass::yield: backend_.wait(std::chrono::milliseconds{0}, true); break;
        case AfterPass::block: backend_.wait(options_.idle_wait, false); break;
        case AfterPass::again: break;
        }
    }
    return std::nullopt;
}

/*
 * Either way the CPU we leave runs ops.dispatch(), which inserts what we just decided. Yield
 * when we hold tasks back, or when tasks came back from a slice end without a standing
 * decision for the next one: then BPF runs the daemon first (prev_goes_to_user()), so it must
 * wait in its queue, not sleep. (With one, BPF handles that slice end itself.)
 * Decisions for woken tasks only need no second run: block, and the next record wakes us
 * (epoll returns at once when one already waits). That halves the daemon's runs when a
 * wakeup finds no idle CPU on an otherwise quiet machine.
 */
AfterPass after_pass(const PassResult &r, std::uint64_t pending)
{
    if (pending > 0 || (r.requeued > 0 && r.dispatched > r.standing))
        return AfterPass::yield;
    if (r.dispatched > 0 || r.drained == 0)
        return AfterPass::block;
    return AfterPass::again;
}

Counters Loop::counters() const
{
    Counters c = backend_.counters();
    c.scheduled = own_.scheduled;
    c.policy_rejected = own_.policy_rejected;
    c.invalid_decisions = own_.invalid_decisions;
    c.ring_full = own_.ring_full;
    c.loop_passes = own_.loop_passes;
    c.invalid_cpus = own_.invalid_cpus;
    c.policy_fallbacks = own_.policy_fallbacks;
    return c;
}

} // namespace scxd
