// The scheduling loop: drain -> policy.on_enqueue -> policy.pick -> dispatch.
// Runs on the hot thread. Allocates nothing and makes no syscall per task; the only
// syscalls are one wait (or yield) per pass, inside the backend.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/backend.hpp"
#include "core/counters.hpp"
#include "core/custody.hpp"
#include "core/exit_info.hpp"
#include "core/fallback_fifo.hpp"
#include "core/policy_ref.hpp"

namespace scxd {

class Loop;

// Called on the hot thread about every `interval`, between passes (never per task): the place
// for work that needs a syscall, e.g. sampling resource usage, publishing stats, or swapping
// in a new policy (swap_policy).
struct LoopHook {
    void (*fn)(void *ctx, Loop &loop) = nullptr;
    void *ctx = nullptr;
    std::chrono::milliseconds interval{250};
};

struct LoopOptions {
    std::uint32_t nr_cpus = 1;
    std::uint64_t default_slice_ns = 5'000'000;
    // Upper bound on decisions per pass, so a flood cannot starve the drain side.
    std::uint32_t max_picks_per_pass = 4096;
    // Runnable tasks the rings are sized for; sizes the backlog of undelivered decisions.
    std::uint32_t max_tasks = 8192;
    std::chrono::milliseconds idle_wait{100};
    LoopHook periodic;
    // A policy that holds a task longer than this is replaced by the built-in FIFO
    // (fallback_fifo.hpp), well before the kernel's watchdog would eject the scheduler.
    // 0: never (the simulator, whose time is virtual).
    std::chrono::milliseconds policy_deadline{0};
    // Called once when that happens, between passes: the place to say so loudly.
    void (*on_fallback)(void *ctx, std::string_view policy,
                        std::chrono::milliseconds held) = nullptr;
    void *fallback_ctx = nullptr;
    // Where the deadline's time comes from; tests replace it.
    std::chrono::steady_clock::time_point (*now)() = &std::chrono::steady_clock::now;
    // Bumped after every pass, for a watchdog thread (watchdog.hpp); may be null.
    std::atomic<std::uint64_t> *progress = nullptr;
};

struct PassResult {
    std::size_t drained = 0;
    std::size_t dispatched = 0;
    // Drained tasks that did not just wake up: a slice ran out (or a new task). They will be
    // back at their next slice end, when the daemon should already wait in its queue.
    std::size_t requeued = 0;
    // Decisions that let BPF handle their task's slice ends itself (requeue_max > 0): it does
    // not need the daemon waiting for those.
    std::size_t standing = 0;
};

// After a pass: yield (stay runnable, parked in the daemon's queue), block until a record
// arrives, or go again at once.
enum class AfterPass { yield, block, again };
AfterPass after_pass(const PassResult &r, std::uint64_t pending);

class Loop {
public:
    Loop(Backend &backend, PolicyRef policy, const LoopOptions &options);

    // One pass: every queued task to the policy, then its picks to the kernel.
    PassResult run_pass();

    // Passes until stop is set (returns nullopt) or the kernel unloads us (returns why).
    std::optional<ExitInfo> run(const std::atomic<bool> &stop);

    // Daemon-side counters, merged with the backend's kernel-side ones.
    [[nodiscard]] Counters counters() const;
    [[nodiscard]] const PolicyRef &policy() const { return policy_; }
    // Tasks the policy holds (accepted, not picked yet).
    [[nodiscard]] std::size_t held() const { return custody_.size(); }

    // Between two passes: make `next` the policy and hand it every task the current one
    // holds. The caller destroys the old instance afterwards (off the hot thread if it can).
    void swap_policy(PolicyRef next);

private:
    static void on_task(void *self, const scxd_task &task);
    static void on_exited(void *self, std::int32_t pid);
    // Fix up a policy's decision in place; false when it cannot be sent at all.
    bool sanitize(scxd_decision &d);
    // Replace a policy that held a task past the deadline by the built-in FIFO.
    void check_deadline();
    // Give a task to the policy; if it (or custody) cannot hold it, run it anywhere.
    void offer(const scxd_task &task);
    // Send, or keep it in the backlog when the ring is full.
    bool send(const scxd_decision &d);
    // Send what the full ring refused earlier, oldest first; false while some remain.
    bool flush_backlog();

    Backend &backend_;
    PolicyRef policy_;
    LoopOptions options_;
    Custody custody_;
    FallbackFifo fallback_;
    bool on_fallback_ = false;  // the built-in FIFO runs: no second deadline
    std::uint64_t pass_ns_ = 0; // options_.now() at the start of this pass
    std::uint64_t next_deadline_check_ns_ = 0;
    // Decisions the full ring did not take yet: a fixed ring allocated once, so a full ring
    // never loses a task and the hot path never allocates.
    std::vector<scxd_decision> backlog_;
    std::size_t backlog_head_ = 0;
    std::size_t backlog_size_ = 0;
    std::size_t sent_in_drain_ = 0;     // refused tasks sent during this pass's drain
    std::size_t requeued_in_drain_ = 0; // drained tasks without SCXD_TASK_WAKEUP
    std::uint64_t fifo_seq_ = 0;        // vtime for decisions that leave it 0 (FIFO)
    std::uint64_t vtime_base_ = 0;      // added to this policy's vtimes (swap_policy())
    std::uint64_t max_vtime_ = 0;       // the latest vtime sent, in the kernel's order
    Counters own_;
};

} // namespace scxd
