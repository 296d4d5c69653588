#include "core/loop.hpp"

namespace scxd {

Loop::Loop(Backend &backend, PolicyRef policy, const LoopOptions &options)
    : backend_(backend), policy_(policy), options_(options)
{
}

void Loop::on_task(void *self, const scxd_task &task)
{
    auto &loop = *static_cast<Loop *>(self);
    if (loop.policy_.on_enqueue(task) == 0)
        return;
    // The policy cannot hold it: run it on the first free CPU so it is never lost.
    ++loop.own_.policy_rejected;
    scxd_decision d = scxd_decision_for(&task, SCXD_CPU_ANY);
    if (loop.sanitize(d))
        loop.send(d);
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
    if (backend_.dispatch(d) == DispatchStatus::ok)
        return true;
    ++own_.ring_full;
    carry_ = d;
    return false;
}

PassResult Loop::run_pass()
{
    PassResult r;
    ++own_.loop_passes;
    if (carry_) {
        const scxd_decision d = *carry_;
        carry_.reset();
        if (!send(d))
            return r; // ring still full: the kernel has to drain it first
        ++r.dispatched;
    }
    r.drained = backend_.drain(TaskSink{&Loop::on_task, this});
    scxd_decision d{};
    while (r.dispatched < options_.max_picks_per_pass && policy_.pick(d)) {
        ++own_.scheduled;
        if (!sanitize(d))
            continue;
        if (!send(d))
            break;
        ++r.dispatched;
    }
    return r;
}

std::optional<ExitInfo> Loop::run(const std::atomic<bool> &stop)
{
    while (!stop.load(std::memory_order_relaxed)) {
        if (auto info = backend_.exit_info())
            return info;
        const PassResult r = run_pass();
        const std::uint64_t pending = policy_.nr_pending() + (carry_ ? 1 : 0);
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
