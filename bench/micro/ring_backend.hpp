// The daemon's Backend over two in-memory rings with the BPF rings' record layouts
// (scxd_queued in, scxd_dispatch out), converting records with the daemon's own code
// (daemon/bpf/records.hpp). A closed system of `nr_tasks` runnable tasks: kernel_step() plays
// the kernel, turning every decision back into a fresh enqueue of the same task, as if each
// task ran its slice and became runnable again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "mem_ring.hpp"
#include "bpf/records.hpp"
#include "core/backend.hpp"

namespace scxd::bench {

struct TaskMix {
    std::uint32_t nr_cpus = 8;
    std::int32_t first_pid = 1000;
};

class RingBackend final : public Backend {
public:
    RingBackend(std::uint32_t nr_tasks, const TaskMix &mix);

    // The kernel side: each decision in the user ring re-enqueues its task (a new record
    // with the next enqueue generation and one more slice of runtime). Returns how many.
    std::size_t kernel_step();

    std::size_t drain(TaskSink sink) override;
    DispatchStatus dispatch(const scxd_decision &decision) override;
    void notify_complete(std::uint64_t nr_pending) override { nr_pending_ = nr_pending; }
    WaitReason wait(std::chrono::milliseconds timeout, bool have_pending) override;
    [[nodiscard]] Counters counters() const override { return {}; }
    [[nodiscard]] std::optional<ExitInfo> exit_info() const override { return std::nullopt; }

    // Loop::run returns once wait() was called this many times (one per pass).
    void stop_after(std::uint64_t passes, std::atomic<bool> *stop)
    {
        waits_left_ = passes;
        stop_ = stop;
    }
    [[nodiscard]] std::uint64_t dispatched() const { return dispatched_; }
    // Make wait() call sched_yield(), as the real backend does after dispatching: one
    // syscall per pass, the control that shows syscalls.sh can see one.
    void yield_in_wait(bool on) { yield_ = on; }

private:
    void enqueue(std::size_t index);

    std::vector<scxd_queued> tasks_; // each task's latest record
    MemRing<scxd_queued> queued_;
    MemRing<scxd_dispatch> user_;
    TaskMix mix_;
    TaskSink sink_{};
    std::uint64_t nr_pending_ = 0;
    std::uint64_t dispatched_ = 0;
    std::uint64_t waits_left_ = 0;
    std::atomic<bool> *stop_ = nullptr;
    bool yield_ = false;
};

} // namespace scxd::bench
