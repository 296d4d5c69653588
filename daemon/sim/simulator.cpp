#include "sim/simulator.hpp"

#include <set>

#include <fmt/format.h>

#include "plugin/plugin.hpp"
#include "sim/duration.hpp"
#include "sim/machine.hpp"
#include "sim/sim_policy.hpp"

namespace scxd::sim {
namespace {

namespace fs = std::filesystem;

Status check_cpus(const std::vector<std::uint32_t> &cpus, std::uint32_t n, const std::string &where)
{
    for (const auto c : cpus)
        if (c >= n)
            return Error{fmt::format("{}: {} lists CPU {} but the simulation has {} CPUs (0 .. "
                                     "{}): run with --cpus {} or change the list",
                                     where, "cpus", c, n, n - 1, c + 1)};
    return Ok{};
}

// " (it reads a, b, c)" or " (it reads no parameters)".
std::string reads(const std::set<std::string> &keys)
{
    if (keys.empty())
        return " (it reads no parameters)";
    std::string list;
    for (const auto &k : keys)
        list += (list.empty() ? "" : ", ") + k;
    return " (it reads " + list + ")";
}

} // namespace

Result<Workload> resolve(const Workload &workload, const SimOptions &o)
{
    Workload w = workload;
    w.cpus = o.cpus.value_or(w.cpus);
    w.duration_ns = o.duration_ns.value_or(w.duration_ns);
    w.mode = o.mode.value_or(w.mode);
    w.slice_ns = o.slice_ns.value_or(w.slice_ns);
    w.tick_ns = o.tick_ns.value_or(w.tick_ns);
    w.max_tasks = o.max_tasks.value_or(w.max_tasks);
    w.daemon_pass_ns = o.daemon_pass_ns.value_or(w.daemon_pass_ns);
    w.daemon_task_ns = o.daemon_task_ns.value_or(w.daemon_task_ns);
    const auto file = w.file.string();
    if (w.cpus < 1 || w.cpus > 1024)
        return Error{fmt::format("{}: {} CPUs: simulate 1 to 1024", file, w.cpus)};
    if (w.duration_ns == 0)
        return Error{fmt::format("{}: the duration is 0: give a positive --duration", file)};
    // Without a cost a daemon that holds tasks back would loop forever at one instant.
    if (w.daemon_pass_ns < 100)
        return Error{fmt::format("{}: daemon_pass_cost {} is below 100 ns: the daemon's loop "
                                 "pass must take some time; use at least \"100ns\"",
                                 file, format_duration(w.daemon_pass_ns))};
    for (const auto &g : w.groups)
        if (auto st = check_cpus(g.cpus, w.cpus, fmt::format("{}: group '{}'", file, g.name)); !st)
            return st.error();
    for (std::size_t i = 0; i < w.changes.size(); ++i)
        if (const auto &cpus = w.changes[i].cpus; cpus)
            if (auto st = check_cpus(*cpus, w.cpus, fmt::format("{}: [[change]] #{}", file, i + 1));
                !st)
                return st.error();
    return w;
}

Result<RunResult> simulate(const Workload &workload, const scxd_policy_entry &entry,
                           const SimOptions &o)
{
    auto w = resolve(workload, o);
    if (!w)
        return w.error();
    HostConfig host;
    host.nr_cpus = w->cpus;
    host.max_tasks = w->max_tasks;
    host.default_slice_ns = w->slice_ns;
    const ParamMap *table = o.policy_table ? &*o.policy_table : nullptr;
    const fs::path &table_file = o.policy_table ? o.policy_table_file : w->file;
    if (table == nullptr && entry.name != nullptr)
        if (const auto it = w->policy_params.find(entry.name); it != w->policy_params.end())
            table = &it->second;
    if (table != nullptr)
        host.params = *table;
    for (const auto &[k, v] : o.params)
        host.params[k] = v;
    std::uint64_t clock = MachineConfig{}.clock_base_ns;
    auto policy = SimPolicy::create(entry, host, &clock);
    if (!policy)
        return policy.error();
    const auto &queried = (*policy)->queried();
    if (table != nullptr)
        for (const auto &[key, value] : *table)
            if (!queried.contains(key))
                return Error{fmt::format("{}: [policy.{}] key '{}' is not a parameter of policy "
                                         "{}{}: fix its name or remove it",
                                         table_file.string(), (*policy)->name(), key,
                                         (*policy)->name(), reads(queried))};
    if (o.trace != nullptr)
        fmt::print(o.trace, "# policy {}, workload {}, {} CPUs, seed {}\n", (*policy)->name(),
                   w->name, w->cpus, o.seed);
    MachineConfig cfg;
    cfg.seed = o.seed;
    cfg.trace = o.trace;
    Machine m(*w, cfg, (*policy)->ref(), &clock);
    m.run();
    RunResult r = m.result();
    r.policy = (*policy)->name();
    for (const auto &[key, value] : o.params)
        if (!queried.contains(key))
            r.unread_params.push_back(key);
    return r;
}

Result<RunResult> simulate(const Workload &workload, const std::filesystem::path &plugin,
                           const SimOptions &options)
{
    auto p = Plugin::open(plugin);
    if (!p)
        return p.error();
    return simulate(workload, (*p)->entry(), options);
}

} // namespace scxd::sim
