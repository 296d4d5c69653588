// Everything scxd counts, kernel side and daemon side, in one value type.
#pragma once

#include <cstdint>
#include <string>

namespace scxd {

struct Counters {
    // Kernel (BPF) side.
    std::uint64_t queued = 0;
    std::uint64_t user_dispatches = 0;
    std::uint64_t kernel_dispatches = 0;
    std::uint64_t congested = 0;
    std::uint64_t failed_dispatches = 0;
    std::uint64_t bounce_dispatches = 0;
    std::uint64_t cancel_dispatches = 0;
    std::uint64_t daemon_dispatches = 0;
    std::uint64_t heartbeat_kicks = 0;
    std::uint64_t wakeup_preempts = 0; // CPUs preempted for a woken task (its record or decision)
    std::uint64_t kernel_requeues = 0; // tasks BPF put back in line after a slice, per the policy
    std::uint64_t kernel_wakeups = 0;  // woken tasks BPF put in line, per the policy
    std::uint64_t idle_claims = 0;     // the kernel picked a busy CPU, BPF an idle one instead
    std::uint64_t migrations_avoided = 0; // a CPU took its own task close behind a remote first
    std::uint64_t exits = 0;              // exit notices delivered to the policy
    // Daemon side.
    std::uint64_t scheduled = 0;         // decisions the policy returned
    std::uint64_t policy_rejected = 0;   // on_enqueue refused: placed by the daemon itself
    std::uint64_t invalid_decisions = 0; // decisions dropped as malformed
    std::uint64_t ring_full = 0;         // times the user -> kernel ring was full
    std::uint64_t loop_passes = 0;
    std::uint64_t page_faults = 0;      // minor + major faults of the hot thread since it started
    std::uint64_t restarts = 0;         // re-attachments the kernel asked for (CPU hotplug)
    std::uint64_t policy_swaps = 0;     // live policy swaps (SIGHUP / systemctl reload)
    std::uint64_t invalid_cpus = 0;     // decisions for a CPU that does not exist: any CPU
    std::uint64_t policy_fallbacks = 0; // policy held a task past its deadline: built-in FIFO
};

// Field-wise sum, for totals across re-attachments.
Counters &operator+=(Counters &total, const Counters &more);

// "queued=1 user_dispatches=2 ..." in a fixed order (the summary line's format).
std::string to_key_values(const Counters &c);

} // namespace scxd
