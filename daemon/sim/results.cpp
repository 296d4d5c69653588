// From what the machine counted to a RunResult: percentiles, shares, fairness.
#include <algorithm>
#include <cmath>

#include "sim/machine.hpp"

namespace scxd::sim {
namespace {

// Jain's fairness index: (sum x)^2 / (n sum x^2); 1 when all are equal, 1/n at worst.
double jain(const std::vector<double> &xs)
{
    double sum = 0.0;
    double sq = 0.0;
    for (const double x : xs) {
        sum += x;
        sq += x * x;
    }
    if (xs.empty() || sq == 0.0)
        return 1.0;
    return sum * sum / (static_cast<double>(xs.size()) * sq);
}

double per_second(std::uint64_t n, std::uint64_t ns)
{
    return ns == 0 ? 0.0 : static_cast<double>(n) * 1e9 / static_cast<double>(ns);
}

} // namespace

std::uint64_t Latency::percentile(double q) const
{
    if (sorted.empty())
        return 0;
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(q * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

Latency summarize(std::vector<std::uint64_t> samples)
{
    Latency l;
    std::sort(samples.begin(), samples.end());
    l.sorted = std::move(samples);
    l.count = l.sorted.size();
    if (l.count == 0)
        return l;
    std::uint64_t sum = 0;
    for (const auto s : l.sorted)
        sum += s;
    l.mean = static_cast<double>(sum) / static_cast<double>(l.count);
    l.p50 = l.percentile(0.50);
    l.p99 = l.percentile(0.99);
    l.max = l.sorted.back();
    return l;
}

const GroupResult *RunResult::group(const std::string &name) const
{
    for (const auto &g : groups)
        if (g.name == name)
            return &g;
    return nullptr;
}

// A task still waiting at the end counts with the wait it has had so far: a starved task
// must show up in the tail, not vanish from it.
void Machine::censor_waits()
{
    for (const auto &t : tasks_) {
        if (t.state != TaskState::queued && t.state != TaskState::placed)
            continue;
        auto &g = groups_[t.group];
        g.wait.push_back(now_ - t.runnable_since);
        if (t.woke)
            g.wakeup.push_back(now_ - t.runnable_since);
    }
}

GroupResult Machine::group_result(std::uint32_t gi) const
{
    const auto &g = w_.groups[gi];
    const auto &acc = groups_[gi];
    GroupResult r;
    r.name = g.name;
    r.behaviour = g.behaviour;
    r.tasks = acc.tasks;
    r.weight = g.weight;
    r.nice = g.nice;
    std::vector<double> alive;
    std::vector<double> everyone;
    for (const auto &t : tasks_) {
        if (t.group != gi)
            continue;
        r.cpu_ns += t.cpu_ns;
        if (t.child) // short-lived by design: their CPU time says nothing about fairness
            continue;
        everyone.push_back(static_cast<double>(t.cpu_ns));
        if (t.state != TaskState::exited && t.state != TaskState::unborn)
            alive.push_back(static_cast<double>(t.cpu_ns));
    }
    r.jain = jain(alive.empty() ? everyone : alive);
    r.iterations = acc.iterations;
    r.throughput = per_second(acc.iterations, end_);
    r.wait = summarize(acc.wait);
    r.wakeup = summarize(acc.wakeup);
    r.response = summarize(acc.response);
    r.deadline_misses = acc.misses;
    r.exited = acc.exited;
    return r;
}

RunResult Machine::result() const
{
    RunResult r;
    r.workload = w_.name;
    r.cpus = ncpus_;
    r.duration_ns = end_;
    r.seed = cfg_.seed;
    r.mode = w_.mode;
    r.slice_ns = w_.slice_ns;
    std::uint64_t task_ns = 0;
    for (std::uint32_t g = 0; g < w_.groups.size(); ++g) {
        r.groups.push_back(group_result(g));
        task_ns += r.groups.back().cpu_ns;
    }
    GroupResult all;
    all.name = "all";
    std::vector<std::uint64_t> wait, wakeup, response;
    std::vector<double> weighted;
    for (std::uint32_t g = 0; g < r.groups.size(); ++g) {
        const auto &gr = r.groups[g];
        all.tasks += gr.tasks;
        all.cpu_ns += gr.cpu_ns;
        all.iterations += gr.iterations;
        all.deadline_misses += gr.deadline_misses;
        all.exited += gr.exited;
        wait.insert(wait.end(), groups_[g].wait.begin(), groups_[g].wait.end());
        wakeup.insert(wakeup.end(), groups_[g].wakeup.begin(), groups_[g].wakeup.end());
        response.insert(response.end(), groups_[g].response.begin(), groups_[g].response.end());
    }
    std::vector<double> cpu;
    for (const auto &t : tasks_) {
        if (t.child || t.state == TaskState::exited || t.state == TaskState::unborn)
            continue;
        cpu.push_back(static_cast<double>(t.cpu_ns));
        weighted.push_back(static_cast<double>(t.cpu_ns) / static_cast<double>(t.weight));
    }
    all.jain = jain(cpu);
    all.throughput = per_second(all.iterations, end_);
    all.wait = summarize(std::move(wait));
    all.wakeup = summarize(std::move(wakeup));
    all.response = summarize(std::move(response));
    r.jain_weighted = jain(weighted);
    r.all = std::move(all);
    const double capacity = r.capacity_ns();
    const auto set_pct = [&](GroupResult &g) {
        g.cpu_pct = 100.0 * static_cast<double>(g.cpu_ns) / capacity;
        g.share_pct = task_ns == 0
                          ? 0.0
                          : 100.0 * static_cast<double>(g.cpu_ns) / static_cast<double>(task_ns);
    };
    for (auto &g : r.groups)
        set_pct(g);
    set_pct(r.all);
    r.idle_ns = idle_ns_;
    r.idle_waiting_ns = idle_waiting_ns_;
    r.idle_placed_ns = idle_placed_ns_;
    r.daemon_ns = daemon_ns_;
    r.daemon_passes = daemon_passes_;
    r.counters = loop_.counters();
    r.sim = stats_;
    for (const auto &t : tasks_)
        r.tasks.push_back(TaskResult{t.pid, t.group, t.cpu_ns, t.iterations, t.ran_on,
                                     t.state == TaskState::exited, t.child});
    return r;
}

} // namespace scxd::sim
