// A Backend without a kernel, for testing the Loop: the test queues tasks, the loop's
// decisions land in a vector, and every call is recorded so a test can assert on the loop's
// protocol (drain -> dispatch -> notify_complete -> wait).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/backend.hpp"

namespace scxd::test {

// Distinct per pid and never 0, so a lost, swapped or zeroed cookie shows.
inline std::uint64_t cookie_of(std::int32_t pid)
{
    return 0xc0de'0000'0000ULL + static_cast<std::uint32_t>(pid);
}

// A runnable task with a cookie derived from its pid, so tests can check it came back intact.
inline scxd_task make_task(std::int32_t pid, std::int32_t prev_cpu = 0,
                           std::uint32_t nr_cpus_allowed = 4)
{
    scxd_task t{};
    t.pid = pid;
    t.prev_cpu = prev_cpu;
    t.nr_cpus_allowed = nr_cpus_allowed;
    t.weight = 100;
    t.enqueue_ns = 1000 + static_cast<std::uint64_t>(pid);
    t.cookie = cookie_of(pid);
    std::snprintf(t.comm, sizeof(t.comm), "task-%d", pid);
    return t;
}

// An ExitInfo by field name, so the fake does not depend on the struct's member order.
inline ExitInfo make_exit(std::int32_t kind, std::string reason, std::string message)
{
    ExitInfo info;
    info.kind = kind;
    info.reason = std::move(reason);
    info.message = std::move(message);
    return info;
}

inline std::vector<std::int32_t> pids_of(const std::vector<scxd_decision> &decisions)
{
    std::vector<std::int32_t> out;
    out.reserve(decisions.size());
    for (const auto &d : decisions)
        out.push_back(d.pid);
    return out;
}

class FakeBackend final : public Backend {
public:
    struct WaitCall {
        std::chrono::milliseconds timeout;
        bool have_pending;
    };

    // A loop that never stops would hang the suite: after this many waits the fake ejects
    // the scheduler itself, which a test sees as an unexpected ExitInfo; if the loop ignores
    // that too, wait() throws and Catch2 fails the test.
    static constexpr std::size_t watchdog_waits = 10'000;

    void queue(const scxd_task &task) { queued_.push_back(task); }
    void queue_pids(std::int32_t first, std::int32_t last)
    {
        for (std::int32_t pid = first; pid <= last; ++pid)
            queue(make_task(pid));
    }
    // After `after` more accepted decisions, the next n dispatch() calls report a full ring
    // and take nothing.
    void fill_ring(std::size_t n, std::size_t after = 0)
    {
        full_for_ = n;
        full_after_ = after;
    }
    void set_exit(ExitInfo info) { exit_ = std::move(info); }

    // Runs at the end of every wait(): how a test stops run() or ejects after some passes.
    std::function<void(std::size_t nr_waits)> on_wait;
    // What counters() reports as the kernel side.
    Counters kernel_counters;

    std::size_t drain(TaskSink sink) override
    {
        // Take the batch first, so a task queued while we hand them out waits for the next
        // drain, as it would in the kernel's ring.
        std::deque<scxd_task> batch;
        batch.swap(queued_);
        ++drains_;
        for (const auto &t : batch)
            sink(t);
        return batch.size();
    }

    DispatchStatus dispatch(const scxd_decision &decision) override
    {
        ++dispatch_calls_;
        if (full_for_ > 0 && full_after_ == 0) {
            --full_for_;
            return DispatchStatus::full;
        }
        if (full_after_ > 0)
            --full_after_;
        dispatched_.push_back(decision);
        return DispatchStatus::ok;
    }

    void notify_complete(std::uint64_t nr_pending) override
    {
        pending_reports_.push_back(nr_pending);
    }

    WaitReason wait(std::chrono::milliseconds timeout, bool have_pending) override
    {
        waits_.push_back({timeout, have_pending});
        if (on_wait)
            on_wait(waits_.size());
        if (waits_.size() == watchdog_waits)
            exit_ = make_exit(1024, "fake watchdog", "the loop never stopped");
        if (waits_.size() > 2 * watchdog_waits) // it ignores exit_info too: fail the test
            throw std::runtime_error("FakeBackend: the loop ignores both stop and exit_info");
        return have_pending ? WaitReason::work : WaitReason::timeout;
    }

    [[nodiscard]] Counters counters() const override { return kernel_counters; }
    [[nodiscard]] std::optional<ExitInfo> exit_info() const override { return exit_; }

    [[nodiscard]] const std::vector<scxd_decision> &dispatched() const { return dispatched_; }
    [[nodiscard]] std::vector<std::int32_t> dispatched_pids() const { return pids_of(dispatched_); }
    [[nodiscard]] std::size_t queued() const { return queued_.size(); }
    [[nodiscard]] std::size_t drains() const { return drains_; }
    [[nodiscard]] std::size_t dispatch_calls() const { return dispatch_calls_; }
    [[nodiscard]] const std::vector<std::uint64_t> &pending_reports() const
    {
        return pending_reports_;
    }
    [[nodiscard]] const std::vector<WaitCall> &waits() const { return waits_; }

private:
    std::deque<scxd_task> queued_;
    std::vector<scxd_decision> dispatched_;
    std::vector<std::uint64_t> pending_reports_;
    std::vector<WaitCall> waits_;
    std::optional<ExitInfo> exit_;
    std::size_t full_for_ = 0;
    std::size_t full_after_ = 0;
    std::size_t drains_ = 0;
    std::size_t dispatch_calls_ = 0;
};

} // namespace scxd::test
