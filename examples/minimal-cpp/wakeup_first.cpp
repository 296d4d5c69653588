// SPDX-License-Identifier: MIT
// wakeup-first-cpp: the policy of ../minimal-c, written as a class with scxd/policy.hpp.
// Tasks run in the order they became runnable, except that a task that just woke up counts
// as if it had waited `boost_us` longer. The order travels as `vtime`; the kernel's queues
// are sorted by it, so every task can be handed out at once.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <scxd/policy.hpp>

namespace {

class WakeupFirst {
public:
    // Not the hot path: read parameters and allocate here. A throw becomes the error line.
    explicit WakeupFirst(const scxd::Host &host)
        : boost_ns_(host.param<std::uint32_t>("boost_us", 2000) * std::uint64_t{1000})
    {
        if (boost_ns_ > 1'000'000'000)
            throw std::runtime_error("boost_us must be at most 1000000 (microseconds)");
        held_.reserve(host.max_tasks()); // the only allocation
    }

    // Hot path: noexcept, no allocation (push_back stays within the reserved capacity).
    int on_enqueue(const scxd_task &task) noexcept
    {
        if (held_.size() == held_.capacity())
            return -1; // full: the daemon runs the task itself
        auto d = scxd_decision_for(&task, task.nr_cpus_allowed == 1 ? task.prev_cpu : SCXD_CPU_ANY);
        const std::uint64_t boost = (task.flags & SCXD_TASK_WAKEUP) ? boost_ns_ : 0;
        d.vtime = task.enqueue_ns > boost ? task.enqueue_ns - boost : 1; // 0 would mean FIFO
        held_.push_back(d);
        return 0;
    }

    bool pick(scxd_decision &out) noexcept
    {
        if (held_.empty())
            return false;
        out = held_.back(); // any order will do: vtime sorts them in the kernel
        held_.pop_back();
        return true;
    }

private:
    std::uint64_t boost_ns_;
    std::vector<scxd_decision> held_;
};

} // namespace

SCXD_POLICY_CLASS(WakeupFirst, "wakeup-first-cpp",
                  "FIFO by enqueue time, wakeups boost_us ahead (C++ example)", "1.0");
