// The backend seam for the simulator: the two rings between the simulated kernel and the
// real scheduling loop, and the kernel-side counters. The simulated kernel (simulator.hpp)
// fills the queued ring and empties the dispatch ring; Loop::run_pass does the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/backend.hpp"

namespace scxd::sim {

class SimBackend final : public Backend {
public:
    // Records the queued ring holds, as the daemon sizes it for max_tasks.
    static std::size_t queued_ring_records(std::uint32_t max_tasks);

    explicit SimBackend(std::uint32_t max_tasks);

    // Kernel side (ops.enqueue / ops.exit_task). False when the ring is full.
    bool submit_task(const scxd_task &task);
    bool submit_exit(std::int32_t pid);
    // Decisions from the last pass become visible to the kernel (the daemon's pass ended).
    void publish();
    // Next decision in the dispatch ring, oldest first.
    std::optional<scxd_decision> take_decision();

    [[nodiscard]] bool ring_empty() const { return ring_.empty(); }
    [[nodiscard]] std::size_t unread_tasks() const { return unread_tasks_; }
    [[nodiscard]] bool decisions_waiting() const { return !user_ring_.empty(); }
    Counters &kernel() { return counters_; }

    // Backend
    std::size_t drain(TaskSink sink) override;
    DispatchStatus dispatch(const scxd_decision &decision) override;
    void notify_complete(std::uint64_t nr_pending) override { nr_pending_ = nr_pending; }
    WaitReason wait(std::chrono::milliseconds timeout, bool have_pending) override;
    [[nodiscard]] Counters counters() const override { return counters_; }
    [[nodiscard]] std::optional<ExitInfo> exit_info() const override { return std::nullopt; }

    [[nodiscard]] std::uint64_t nr_pending() const { return nr_pending_; }

private:
    struct Record {
        scxd_task task;
        bool exited;
    };

    std::size_t capacity_;
    std::deque<Record> ring_;
    std::size_t unread_tasks_ = 0;
    std::vector<scxd_decision> staged_;   // written during the current pass
    std::deque<scxd_decision> user_ring_; // visible to the kernel's dispatch
    std::uint64_t nr_pending_ = 0;
    Counters counters_;
};

} // namespace scxd::sim
