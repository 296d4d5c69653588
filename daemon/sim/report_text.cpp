#include <fmt/format.h>

#include "sim/duration.hpp"
#include "sim/report.hpp"

namespace scxd::sim {
namespace {

std::string three_digits(double v, const char *unit)
{
    if (v >= 100.0)
        return fmt::format("{:.0f}{}", v, unit);
    if (v >= 10.0)
        return fmt::format("{:.1f}{}", v, unit);
    return fmt::format("{:.2f}{}", v, unit);
}

std::string misses(const GroupResult &g)
{
    if (g.behaviour != Behaviour::periodic)
        return "-";
    const auto jobs = g.iterations + g.deadline_misses;
    return fmt::format("{} ({:.1f}%)", g.deadline_misses,
                       jobs == 0 ? 0.0
                                 : 100.0 * static_cast<double>(g.deadline_misses) /
                                       static_cast<double>(jobs));
}

std::string latency_cells(const Latency &l)
{
    if (l.count == 0)
        return fmt::format("{:>8} {:>8} {:>8}", "-", "-", "-");
    return fmt::format("{:>8} {:>8} {:>8}", short_duration(l.p50), short_duration(l.p99),
                       short_duration(l.max));
}

std::string row(const GroupResult &g, const std::string &policy)
{
    return fmt::format("{:<14} {:<10} {:>6} {:>6} {:>6.1f} {:>6.1f} {:>9.1f} {:>5.3f}  {}  {}  "
                       "{}\n",
                       g.name, policy, g.tasks, g.name == "all" ? "" : std::to_string(g.weight),
                       g.cpu_pct, g.share_pct, g.throughput, g.jain, latency_cells(g.wait),
                       latency_cells(g.wakeup), misses(g));
}

std::string sim_key_values(const SimStats &s)
{
    return fmt::format("context_switches={} preemptions={} kept_running={} ignored_decisions={} "
                       "affinity_violations={} events={}",
                       s.context_switches, s.preemptions, s.kept_running, s.ignored_decisions,
                       s.affinity_violations, s.events);
}

std::string summary(const RunResult &r)
{
    const double cap = r.capacity_ns();
    const auto pct = [&](std::uint64_t ns) { return 100.0 * static_cast<double>(ns) / cap; };
    return fmt::format(
        "{}: idle while a task waited {:.3f}% of CPU time ({}; with a decision {}), idle "
        "{:.2f}%, daemon {:.2f}% in {} passes, weighted Jain {:.3f}\n  counters: {}\n  "
        "simulator: {}\n",
        r.policy, pct(r.idle_waiting_ns), format_duration(r.idle_waiting_ns),
        format_duration(r.idle_placed_ns), pct(r.idle_ns), pct(r.daemon_ns), r.daemon_passes,
        r.jain_weighted, to_key_values(r.counters), sim_key_values(r.sim));
}

} // namespace

std::string short_duration(std::uint64_t ns)
{
    const auto v = static_cast<double>(ns);
    if (ns >= ns_per_s)
        return three_digits(v / 1e9, "s");
    if (ns >= ns_per_ms)
        return three_digits(v / 1e6, "ms");
    if (ns >= ns_per_us)
        return three_digits(v / 1e3, "us");
    return fmt::format("{}ns", ns);
}

std::string text_report(const Workload &w, const std::vector<RunResult> &runs)
{
    std::string out = fmt::format("workload {} ({}){}{}\n", w.name, w.file.string(),
                                  w.description.empty() ? "" : ": ", w.description);
    out += fmt::format("{} CPUs, {} simulated, seed {}, {}, slice {}{}, daemon {}/pass + "
                       "{}/task\n\n",
                       w.cpus, format_duration(w.duration_ns), runs.empty() ? 0 : runs[0].seed,
                       to_string(w.mode), format_duration(w.slice_ns),
                       w.tick_ns == 0 ? "" : ", tick " + format_duration(w.tick_ns),
                       format_duration(w.daemon_pass_ns), format_duration(w.daemon_task_ns));
    out += fmt::format("{:<14} {:<10} {:>6} {:>6} {:>6} {:>6} {:>9} {:>5}  {:>8} {:>8} {:>8}  "
                       "{:>8} {:>8} {:>8}  {}\n",
                       "group", "policy", "tasks", "weight", "cpu%", "share%", "iter/s", "jain",
                       "wait p50", "p99", "max", "wake p50", "p99", "max", "deadline misses");
    const auto groups = runs.empty() ? 0 : runs[0].groups.size();
    for (std::size_t g = 0; g < groups; ++g)
        for (const auto &r : runs)
            out += row(r.groups[g], r.policy);
    for (const auto &r : runs)
        out += row(r.all, r.policy);
    out += "\n";
    for (const auto &r : runs)
        out += summary(r);
    return out;
}

} // namespace scxd::sim
