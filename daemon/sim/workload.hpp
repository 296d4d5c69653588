// A workload for the simulator: groups of tasks with a behaviour each, changes applied at
// given times, and parameters for the policies it is meant for. Read from TOML
// (tests/workloads/*.toml); every key is documented in docs/simulator.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "plugin/host.hpp"

namespace scxd::sim {

enum class Behaviour {
    hog,      // runs without ever sleeping; an iteration is `run` of CPU time
    cycle,    // run `run`, sleep `sleep`, `repeat` times
    periodic, // released every `period`, runs `run` per release, should finish by `deadline`
    fork,     // every `every`: run `run`, then start `burst` children that run `child_run` and exit
};

enum class Mode {
    builtin_idle, // a wakeup that finds an idle CPU runs there without the policy
    full_user,    // every task goes through the policy
};

std::string_view to_string(Behaviour b);
std::string_view to_string(Mode m);

struct Group {
    std::string name;
    std::uint32_t count = 1;
    std::uint64_t weight = 100; // sched_ext weight (nice 0 = 100), from `nice` or `weight`
    int nice = 0;               // as written, or the nice closest to `weight`
    std::uint32_t uid = 0;
    std::string cgroup = "/";
    std::uint64_t cgroup_id = 0;     // from `cgroup_id`, else a stable hash of `cgroup`
    std::string comm;                // at most 15 bytes; the group name by default
    std::vector<std::uint32_t> cpus; // allowed CPUs; empty: all
    bool shared_tgid = false;        // one process: every task has the first task's tgid
    std::uint64_t start_ns = 0;
    std::uint64_t stagger_ns = 1'000'000; // task i starts at start + uniform [0, stagger)
    std::uint64_t jitter_ppm = 100'000;   // each run / sleep is +- this fraction, uniformly
    Behaviour behaviour = Behaviour::hog;
    std::uint64_t run_ns = 0;
    std::uint64_t sleep_ns = 0;
    std::uint64_t period_ns = 0;
    std::uint64_t deadline_ns = 0;
    std::uint64_t every_ns = 0;
    std::uint32_t burst = 0;
    std::uint64_t child_run_ns = 0;
    std::uint64_t repeat = 0; // iterations (jobs, bursts) before the task exits; 0: never
    std::optional<std::uint64_t> exit_after_ns;
};

// Applied to every live task of one group at `at`, as `renice` / `taskset` / `kill` would.
struct Change {
    std::uint64_t at_ns = 0;
    std::size_t group = 0;
    std::optional<std::uint64_t> weight;
    std::optional<int> nice;
    std::optional<std::vector<std::uint32_t>> cpus;
    bool kill = false;
};

struct Workload {
    std::string name;
    std::string description;
    std::filesystem::path file;
    std::uint32_t cpus = 2;
    std::uint64_t duration_ns = 10'000'000'000ULL;
    std::uint64_t slice_ns = 5'000'000;
    // Slices end at the first scheduler tick after they ran out (0: exactly), as the kernel
    // checks them in its tick: "4ms" models a HZ=250 kernel.
    std::uint64_t tick_ns = 0;
    Mode mode = Mode::builtin_idle;
    std::uint32_t max_tasks = 8192;
    std::uint64_t daemon_pass_ns = 5'000; // the daemon's CPU time per loop pass
    std::uint64_t daemon_task_ns = 1'000; // ... and per task it handles in that pass
    // scxd run --wakeup-preempt-us: a woken task that finds no idle CPU preempts one for the
    // daemon, at most once per this long (0: never).
    std::uint64_t wakeup_preempt_ns = 250'000;
    std::vector<Group> groups;
    std::vector<Change> changes; // sorted by time, stable
    // [policy.<name>] tables, flattened as the daemon's config flattens them.
    std::map<std::string, ParamMap> policy_params;
};

// The sched_ext weight for a nice value (-20 .. 19): the kernel's table scaled to 100.
std::uint64_t weight_of_nice(int nice);

Result<Workload> load_workload(const std::filesystem::path &path);
// `path` only names the text in messages.
Result<Workload> parse_workload(std::string_view text, const std::filesystem::path &path);

} // namespace scxd::sim
