// scxd's simulator: a policy plugin, driven by the daemon's own loop, scheduling a workload
// on N simulated CPUs in virtual time. Deterministic: the same workload, policy, options and
// seed give the same RunResult on any machine. See docs/simulator.md.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/result.hpp"
#include "plugin/host.hpp"
#include "scxd/policy.h"
#include "sim/result.hpp"
#include "sim/workload.hpp"

namespace scxd::sim {

// What a run may override of the workload's [workload] table.
struct SimOptions {
    std::uint64_t seed = 1;
    std::optional<std::uint32_t> cpus;
    std::optional<std::uint64_t> duration_ns;
    std::optional<Mode> mode;
    std::optional<std::uint64_t> slice_ns;
    std::optional<std::uint64_t> tick_ns;
    std::optional<std::uint32_t> max_tasks;
    std::optional<std::uint64_t> daemon_pass_ns;
    std::optional<std::uint64_t> daemon_task_ns;
    // Replaces the workload's [policy.<name>] table when set (e.g. a config file's), read
    // from `policy_table_file`. Its keys, like the workload's, must all be read by the policy.
    std::optional<ParamMap> policy_table;
    std::filesystem::path policy_table_file;
    // Policy parameters on top of that table (e.g. --param); unread ones are reported in
    // RunResult::unread_params, not refused.
    ParamMap params;
    // Where to write a line per scheduling event (not owned); null: no trace.
    std::FILE *trace = nullptr;
};

// The workload with the options applied, checked as a whole (CPU lists against the CPU
// count, costs): one-line errors naming the key and the fix.
Result<Workload> resolve(const Workload &workload, const SimOptions &options);

// One run of the policy `entry` (from a loaded plugin, or defined in-process by a test).
Result<RunResult> simulate(const Workload &workload, const scxd_policy_entry &entry,
                           const SimOptions &options);

// Same, loading the plugin file first (as the daemon does: every ABI check applies).
Result<RunResult> simulate(const Workload &workload, const std::filesystem::path &plugin,
                           const SimOptions &options);

} // namespace scxd::sim
