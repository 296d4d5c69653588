#include <fmt/format.h>

#include "sim/report.hpp"

namespace scxd::sim {
namespace {

// Appends JSON text; members are separated as they are added.
class Json {
public:
    void open(char c)
    {
        comma();
        out_ += c;
        first_ = true;
    }
    void close(char c)
    {
        out_ += c;
        first_ = false;
    }
    void key(std::string_view k)
    {
        comma();
        str(k);
        out_ += ':';
        first_ = true;
    }
    void value(std::string_view s)
    {
        comma();
        str(s);
    }
    void value(std::uint64_t v)
    {
        comma();
        out_ += std::to_string(v);
    }
    void value(double v)
    {
        comma();
        out_ += fmt::format("{:.6f}", v);
    }
    template <typename T> void member(std::string_view k, const T &v)
    {
        key(k);
        value(v);
    }
    std::string take() { return std::move(out_); }

private:
    void comma()
    {
        if (!first_)
            out_ += ',';
        first_ = false;
    }
    void str(std::string_view s)
    {
        out_ += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\')
                out_ += fmt::format("\\{}", c);
            else if (static_cast<unsigned char>(c) < 0x20)
                out_ += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            else
                out_ += c;
        }
        out_ += '"';
    }

    std::string out_;
    bool first_ = true;
};

void latency(Json &j, std::string_view name, const Latency &l)
{
    j.key(name);
    j.open('{');
    j.member("count", l.count);
    j.member("p50_ns", l.p50);
    j.member("p99_ns", l.p99);
    j.member("max_ns", l.max);
    j.member("mean_ns", l.mean);
    j.close('}');
}

void group(Json &j, const GroupResult &g)
{
    j.open('{');
    j.member("name", g.name);
    j.member("behaviour", to_string(g.behaviour));
    j.member("tasks", std::uint64_t{g.tasks});
    j.member("weight", g.weight);
    j.member("cpu_ns", g.cpu_ns);
    j.member("cpu_pct", g.cpu_pct);
    j.member("share_pct", g.share_pct);
    j.member("iterations", g.iterations);
    j.member("throughput", g.throughput);
    j.member("jain", g.jain);
    latency(j, "wait", g.wait);
    latency(j, "wakeup", g.wakeup);
    latency(j, "response", g.response);
    j.member("deadline_misses", g.deadline_misses);
    j.member("exited", g.exited);
    j.close('}');
}

void counters(Json &j, const Counters &c)
{
    j.key("counters");
    j.open('{');
    j.member("queued", c.queued);
    j.member("user_dispatches", c.user_dispatches);
    j.member("kernel_dispatches", c.kernel_dispatches);
    j.member("congested", c.congested);
    j.member("failed_dispatches", c.failed_dispatches);
    j.member("bounce_dispatches", c.bounce_dispatches);
    j.member("cancel_dispatches", c.cancel_dispatches);
    j.member("daemon_dispatches", c.daemon_dispatches);
    j.member("heartbeat_kicks", c.heartbeat_kicks);
    j.member("wakeup_preempts", c.wakeup_preempts);
    j.member("kernel_requeues", c.kernel_requeues);
    j.member("kernel_wakeups", c.kernel_wakeups);
    j.member("idle_claims", c.idle_claims);
    j.member("migrations_avoided", c.migrations_avoided);
    j.member("exits", c.exits);
    j.member("scheduled", c.scheduled);
    j.member("policy_rejected", c.policy_rejected);
    j.member("invalid_decisions", c.invalid_decisions);
    j.member("invalid_cpus", c.invalid_cpus);
    j.member("ring_full", c.ring_full);
    j.member("loop_passes", c.loop_passes);
    j.close('}');
}

void sim_stats(Json &j, const SimStats &s)
{
    j.key("simulator");
    j.open('{');
    j.member("events", s.events);
    j.member("context_switches", s.context_switches);
    j.member("preemptions", s.preemptions);
    j.member("kept_running", s.kept_running);
    j.member("ignored_decisions", s.ignored_decisions);
    j.member("affinity_violations", s.affinity_violations);
    j.close('}');
}

void run(Json &j, const RunResult &r)
{
    j.open('{');
    j.member("policy", r.policy);
    j.key("groups");
    j.open('[');
    for (const auto &g : r.groups)
        group(j, g);
    j.close(']');
    j.key("all");
    group(j, r.all);
    j.member("jain_weighted", r.jain_weighted);
    j.member("idle_ns", r.idle_ns);
    j.member("idle_waiting_ns", r.idle_waiting_ns);
    j.member("idle_placed_ns", r.idle_placed_ns);
    j.member("idle_waiting_pct", 100.0 * static_cast<double>(r.idle_waiting_ns) / r.capacity_ns());
    j.member("daemon_ns", r.daemon_ns);
    j.member("daemon_passes", r.daemon_passes);
    counters(j, r.counters);
    sim_stats(j, r.sim);
    j.close('}');
}

} // namespace

std::string json_report(const Workload &w, const std::vector<RunResult> &runs)
{
    Json j;
    j.open('{');
    j.key("workload");
    j.open('{');
    j.member("name", w.name);
    j.member("file", w.file.string());
    j.member("description", w.description);
    j.member("cpus", std::uint64_t{w.cpus});
    j.member("duration_ns", w.duration_ns);
    j.member("seed", runs.empty() ? 0 : runs[0].seed);
    j.member("mode", to_string(w.mode));
    j.member("slice_ns", w.slice_ns);
    j.member("tick_ns", w.tick_ns);
    j.member("daemon_pass_ns", w.daemon_pass_ns);
    j.member("daemon_task_ns", w.daemon_task_ns);
    j.close('}');
    j.key("runs");
    j.open('[');
    for (const auto &r : runs)
        run(j, r);
    j.close(']');
    j.close('}');
    return j.take() + "\n";
}

} // namespace scxd::sim
