// The scheduling loop: drain -> policy.on_enqueue -> policy.pick -> dispatch.
// Runs on the hot thread. Allocates nothing and makes no syscall per task; the only
// syscalls are one wait (or yield) per pass, inside the backend.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/backend.hpp"
#include "core/counters.hpp"
#include "core/exit_info.hpp"
#include "core/policy_ref.hpp"

namespace scxd {

struct LoopOptions {
    std::uint32_t nr_cpus = 1;
    std::uint64_t default_slice_ns = 5'000'000;
    // Upper bound on decisions per pass, so a flood cannot starve the drain side.
    std::uint32_t max_picks_per_pass = 4096;
    std::chrono::milliseconds idle_wait{100};
};

struct PassResult {
    std::size_t drained = 0;
    std::size_t dispatched = 0;
};

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

private:
    static void on_task(void *self, const scxd_task &task);
    // Fix up a policy's decision in place; false when it cannot be sent at all.
    bool sanitize(scxd_decision &d);
    // Send, or keep it for the next pass when the ring is full.
    bool send(const scxd_decision &d);

    Backend &backend_;
    PolicyRef policy_;
    LoopOptions options_;
    std::optional<scxd_decision> carry_; // decision the full ring did not take yet
    std::uint64_t fifo_seq_ = 0;         // vtime for decisions that leave it 0 (FIFO)
    Counters own_;
};

} // namespace scxd
