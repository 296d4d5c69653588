#include "core/loop.hpp"

namespace scxd {

Loop::Loop(Backend &backend, PolicyRef policy, const LoopOptions &options)
    : backend_(backend), policy_(policy), options_(options), custody_(options.max_tasks),
      // One pass adds at most a full queued ring (refused tasks) plus one pick; the queued
      // ring holds at most twice max_tasks records (power-of-two rounding).
      backlog_(2 * static_cast<std::size_t>(options.max_tasks) + 64)
{
}

void Loop::on_task(void *self, const scxd_task &task) { static_cast<Loop *>(self)->offer(task); }

void Loop::offer(const scxd_task &task)
{
    if (custody_.insert(task)) {
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
    if (cpu != SCXD_CPU_ANY && (cpu < 0 || static_cast<std::uint32_t>(cpu) >= options_.nr_cpus))
        d.cpu = SCXD_CPU_ANY; // out of range: any CPU is still a valid place to run
    if (d.slice_ns == 0)
        d.slice_ns = options_.default_slice_ns; // never the kernel's "keep current slice"
    if (d.vtime == 0)
        d.vtime = ++fifo_seq_;
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

PassResult Loop::run_pass()
{
    PassResult r;
    ++own_.loop_passes;
    const std::size_t waiting = backlog_size_;
    const bool flushed = flush_backlog();
    r.dispatched += waiting - backlog_size_;
    if (!flushed)
        return r; // ring still full: the kernel has to drain it first; tasks wait in its ring
    sent_in_drain_ = 0;
    r.drained = backend_.drain(TaskSink{&Loop::on_task, this, &Loop::on_exited});
    r.dispatched += sent_in_drain_;
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
    }
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
        if (r.dispatched > 0 || pending > 0)
            backend_.wait(std::chrono::milliseconds{0}, true); // let the kernel run them
        else if (r.drained == 0)
            backend_.wait(options_.idle_wait, false);
    }
    return std::nullopt;
}

Counters Loop::counters() const
{
    Counters c = backend_.counters();
    c.scheduled = own_.scheduled;
    c.policy_rejected = own_.policy_rejected;
    c.invalid_decisions = own_.invalid_decisions;
    c.ring_full = own_.ring_full;
    c.loop_passes = own_.loop_passes;
    return c;
}

} // namespace scxd
