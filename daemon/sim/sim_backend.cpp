#include "sim/sim_backend.hpp"

#include "scxd_intf.h"

namespace scxd::sim {

std::size_t SimBackend::queued_ring_records(std::uint32_t max_tasks)
{
    // As BpfBackend sizes it: a power of two, at least 64 KiB, records plus 8-byte headers.
    constexpr std::uint64_t record = sizeof(scxd_queued) + 8;
    const std::uint64_t want = static_cast<std::uint64_t>(max_tasks) * record;
    std::uint64_t size = 1 << 16;
    while (size < want && size < (1ULL << 30))
        size <<= 1;
    return static_cast<std::size_t>(size / record);
}

SimBackend::SimBackend(std::uint32_t max_tasks) : capacity_(queued_ring_records(max_tasks))
{
    staged_.reserve(1024);
}

bool SimBackend::submit_task(const scxd_task &task)
{
    if (ring_.size() >= capacity_)
        return false;
    ring_.push_back({task, false});
    ++unread_tasks_;
    ++counters_.queued;
    return true;
}

bool SimBackend::submit_exit(std::int32_t pid)
{
    if (ring_.size() >= capacity_)
        return false; // best effort, as in BPF: the policy keeps a stale entry
    Record r{};
    r.task.pid = pid;
    r.exited = true;
    ring_.push_back(r);
    ++counters_.exits;
    return true;
}

void SimBackend::publish()
{
    for (const auto &d : staged_)
        user_ring_.push_back(d);
    staged_.clear();
}

std::optional<scxd_decision> SimBackend::take_decision()
{
    if (user_ring_.empty())
        return std::nullopt;
    const scxd_decision d = user_ring_.front();
    user_ring_.pop_front();
    return d;
}

std::size_t SimBackend::drain(TaskSink sink)
{
    std::size_t n = 0;
    while (!ring_.empty()) {
        const Record r = ring_.front();
        ring_.pop_front();
        if (r.exited) {
            if (sink.exited != nullptr)
                sink.exited(sink.ctx, r.task.pid);
            continue;
        }
        --unread_tasks_;
        ++n;
        sink(r.task);
    }
    return n;
}

DispatchStatus SimBackend::dispatch(const scxd_decision &decision)
{
    // The dispatch ring is not bounded here: it holds more decisions than max_tasks tasks
    // can have outstanding, so the real one does not fill either (docs/simulator.md).
    staged_.push_back(decision);
    return DispatchStatus::ok;
}

WaitReason SimBackend::wait(std::chrono::milliseconds /*timeout*/, bool have_pending)
{
    // Never blocks: the simulator advances virtual time itself and calls Loop::run_pass.
    return have_pending || !ring_.empty() ? WaitReason::work : WaitReason::timeout;
}

} // namespace scxd::sim
