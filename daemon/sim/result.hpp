// What one simulated run measured: per group, overall, and per task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/counters.hpp"
#include "sim/workload.hpp"

namespace scxd::sim {

// A latency distribution, in ns. `sorted` keeps every sample (for CDFs).
struct Latency {
    std::uint64_t count = 0;
    std::uint64_t p50 = 0;
    std::uint64_t p99 = 0;
    std::uint64_t max = 0;
    double mean = 0.0;
    std::vector<std::uint64_t> sorted;

    // Nearest-rank percentile (0 < q <= 1) of the samples; 0 without samples.
    [[nodiscard]] std::uint64_t percentile(double q) const;
};

Latency summarize(std::vector<std::uint64_t> samples);

struct GroupResult {
    std::string name;
    Behaviour behaviour = Behaviour::hog;
    std::uint32_t tasks = 0; // every task the group had, children included
    std::uint64_t weight = 0;
    int nice = 0;
    std::uint64_t cpu_ns = 0;     // CPU time its tasks got
    double cpu_pct = 0.0;         // of the machine's CPU time (cpus x duration)
    double share_pct = 0.0;       // of the CPU time all tasks got
    std::uint64_t iterations = 0; // runs, hog quanta, jobs, or children that finished
    double throughput = 0.0;      // iterations per second of simulated time
    double jain = 1.0;            // over the CPU time of its tasks alive at the end (not children)
    Latency wait;                 // runnable -> running, every time
    Latency wakeup;               // woken from sleep -> running
    Latency response;             // periodic: release -> job done
    std::uint64_t deadline_misses = 0;
    std::uint64_t exited = 0;
};

struct TaskResult {
    std::int32_t pid = 0;
    std::uint32_t group = 0;
    std::uint64_t cpu_ns = 0;
    std::uint64_t iterations = 0;
    std::vector<std::uint64_t> ran_on_ns; // CPU time per CPU
    bool exited = false;
    bool child = false; // started by a fork group's parent
};

// Simulator-side events that have no kernel counter.
struct SimStats {
    std::uint64_t events = 0;
    std::uint64_t context_switches = 0;
    std::uint64_t kept_running = 0;        // slice ended, nothing else to run: kept the CPU
    std::uint64_t preemptions = 0;         // slice ended and another task took the CPU
    std::uint64_t ignored_decisions = 0;   // a second decision for one enqueue: the kernel drops it
    std::uint64_t affinity_violations = 0; // a task ran where it may not (a simulator bug)
};

struct RunResult {
    std::string policy;
    std::string workload;
    std::uint32_t cpus = 0;
    std::uint64_t duration_ns = 0;
    std::uint64_t seed = 0;
    Mode mode = Mode::builtin_idle;
    std::uint64_t slice_ns = 0;
    std::vector<GroupResult> groups;
    GroupResult all;                   // every task together
    double jain_weighted = 1.0;        // over CPU time / weight of every task alive at the end
    std::uint64_t idle_ns = 0;         // CPU time nothing ran (daemon included as running)
    std::uint64_t idle_waiting_ns = 0; // ... while a task that could run there waited
    std::uint64_t idle_placed_ns = 0;  // ... while such a task waited with a decision
    std::uint64_t daemon_ns = 0;       // CPU time of the daemon's passes
    std::uint64_t daemon_passes = 0;
    Counters counters; // the loop's, merged with the simulated kernel's
    SimStats sim;
    std::vector<TaskResult> tasks;
    // SimOptions::params keys the policy never asked for (typos, or another policy's keys).
    std::vector<std::string> unread_params;

    [[nodiscard]] const GroupResult *group(const std::string &name) const;
    [[nodiscard]] double capacity_ns() const
    {
        return static_cast<double>(cpus) * static_cast<double>(duration_ns);
    }
};

} // namespace scxd::sim
