// scxd-sim: run a policy plugin against a simulated workload and report how it schedules.
// Exceptions (CLI11, toml++) stay at this edge; everything below returns errors as values.
#include <cmath>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/options.hpp"
#include "config/config.hpp"
#include "plugin/plugin.hpp"
#include "plugin/trust.hpp"
#include "sim/duration.hpp"
#include "sim/params.hpp"
#include "sim/report.hpp"
#include "sim/simulator.hpp"

namespace {

namespace fs = std::filesystem;
using namespace scxd;
using namespace scxd::sim;

struct Args {
    std::string policy; // empty: the config file's, else fifo
    std::string config;
    std::string compare;
    std::string workload;
    std::vector<std::string> policy_dirs;
    std::vector<std::string> params;
    std::optional<std::uint32_t> cpus;
    std::string duration;
    std::uint64_t seed = 1;
    std::string mode;
    std::optional<std::uint64_t> slice_us;
    std::optional<std::uint32_t> max_tasks;
    std::optional<double> pass_cost_us;
    std::optional<double> task_cost_us;
    bool json = false;
    std::string svg;
    std::string trace;
    bool timing = false;
    std::string log_level = "warn";
};

// Where NAME.so is looked for: --policy-dir, the config file's policy_dirs,
// $SCXD_POLICY_PATH, the installed directory, and, for a binary run from a build tree, that
// tree's policies/NAME/.
std::vector<fs::path> search_path(const Args &a, const std::optional<Config> &cfg,
                                  const std::string &name)
{
    std::vector<fs::path> dirs(a.policy_dirs.begin(), a.policy_dirs.end());
    if (cfg && cfg->policy_dirs)
        dirs.insert(dirs.end(), cfg->policy_dirs->begin(), cfg->policy_dirs->end());
    dirs = policy_search_path(dirs);
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        dirs.push_back(exe.parent_path().parent_path() / "policies" / name);
    return dirs;
}

Result<std::uint64_t> duration_arg(const std::string &s)
{
    if (auto ns = parse_duration(s))
        return *ns;
    if (auto ns = parse_duration(s + "s"))
        return *ns;
    return Error{fmt::format("--duration '{}': give seconds (e.g. 10 or 2.5) or a duration with "
                             "a unit (e.g. 500ms)",
                             s)};
}

// The command line over the config file (when given) over the workload's own settings.
Result<SimOptions> options_of(const Args &a, const std::optional<Config> &cfg)
{
    SimOptions o;
    o.seed = a.seed;
    o.cpus = a.cpus;
    if (!a.duration.empty()) {
        auto d = duration_arg(a.duration);
        if (!d)
            return d.error();
        o.duration_ns = *d;
    }
    std::string mode = a.mode;
    if (mode.empty() && cfg && cfg->mode)
        mode = *cfg->mode;
    if (!mode.empty())
        o.mode = mode == "full-user" ? Mode::full_user : Mode::builtin_idle;
    if (auto slice_us = a.slice_us ? a.slice_us : cfg ? cfg->slice_us : std::nullopt)
        o.slice_ns = *slice_us * ns_per_us;
    o.max_tasks = a.max_tasks ? a.max_tasks : cfg ? cfg->max_tasks : std::nullopt;
    if (a.pass_cost_us)
        o.daemon_pass_ns = static_cast<std::uint64_t>(std::llround(*a.pass_cost_us * 1000.0));
    if (a.task_cost_us)
        o.daemon_task_ns = static_cast<std::uint64_t>(std::llround(*a.task_cost_us * 1000.0));
    for (const auto &p : a.params) {
        auto kv = parse_param_arg(p);
        if (!kv)
            return kv.error();
        o.params[kv->first] = kv->second;
    }
    return o;
}

// --compare's list, else --policy, else the config file's policy, else fifo.
std::vector<std::string> policy_names(const Args &a, const std::optional<Config> &cfg)
{
    if (a.compare.empty()) {
        if (a.policy.empty())
            return {cfg && cfg->policy ? *cfg->policy : "fifo"};
        return {a.policy};
    }
    std::vector<std::string> out;
    std::string cur;
    for (const char c : a.compare + ",") {
        if (c != ',') {
            cur += c;
            continue;
        }
        if (!cur.empty())
            out.push_back(cur);
        cur.clear();
    }
    return out;
}

Status write_file(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
        return Error{fmt::format("--svg {}: cannot write it: give a writable path", path)};
    return Ok{};
}

// The --trace file, closed on every way out.
class TraceFile {
public:
    TraceFile() = default;
    TraceFile(const TraceFile &) = delete;
    TraceFile &operator=(const TraceFile &) = delete;
    ~TraceFile()
    {
        if (f_ != nullptr && f_ != stderr)
            std::fclose(f_);
    }
    Status open(const std::string &path)
    {
        f_ = path == "-" ? stderr : std::fopen(path.c_str(), "w");
        if (f_ == nullptr)
            return Error{
                fmt::format("--trace {}: cannot write it: give a writable path or '-'", path)};
        return Ok{};
    }
    [[nodiscard]] std::FILE *get() const { return f_; }

private:
    std::FILE *f_ = nullptr;
};

int fail(const std::string &message)
{
    std::fprintf(stderr, "scxd-sim: %s\n", message.c_str());
    return 1;
}

// What every run of this invocation shares.
struct Setup {
    Workload workload;
    Workload effective; // with the options applied, for the report
    SimOptions options;
    std::optional<Config> config;
    std::vector<std::string> names;
};

Result<Setup> setup(const Args &a, const TraceFile &trace)
{
    Setup s;
    if (!a.config.empty()) {
        auto cfg = load_config(a.config);
        if (!cfg)
            return cfg.error();
        s.config = std::move(*cfg);
    }
    auto workload = load_workload(a.workload);
    if (!workload)
        return workload.error();
    s.workload = std::move(*workload);
    auto options = options_of(a, s.config);
    if (!options)
        return options.error();
    s.options = std::move(*options);
    s.options.trace = trace.get();
    auto effective = resolve(s.workload, s.options);
    if (!effective)
        return effective.error();
    s.effective = std::move(*effective);
    s.names = policy_names(a, s.config);
    if (s.names.empty())
        return Error{"--compare is empty: list policies, e.g. --compare fifo,vruntime"};
    return s;
}

Result<RunResult> run_one(const Args &a, const Setup &s, const std::string &name)
{
    auto path = resolve_policy(name, search_path(a, s.config, name));
    if (!path)
        return path.error();
    auto plugin =
        open_trusted_plugin(*path, default_trust_rules(true)); // named on its command line
    if (!plugin)
        return plugin.error();
    SimOptions o = s.options;
    if (s.config) // the config file's table replaces the workload's, as a whole
        if (const auto it = s.config->policies.find((*plugin)->name());
            it != s.config->policies.end()) {
            o.policy_table = it->second;
            o.policy_table_file = s.config->file;
        }
    const auto t0 = std::chrono::steady_clock::now();
    auto r = simulate(s.workload, (*plugin)->entry(), o);
    if (!r)
        return r.error();
    if (a.timing)
        std::fprintf(stderr, "scxd-sim: %s: %.3f s simulated in %.3f s\n", r->policy.c_str(),
                     static_cast<double>(r->duration_ns) / 1e9,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return r;
}

// A --param that no policy of the run read is a typo.
Status check_cli_params(const SimOptions &o, const std::vector<RunResult> &runs)
{
    for (const auto &[key, value] : o.params) {
        const bool read = std::any_of(runs.begin(), runs.end(), [&](const RunResult &r) {
            return std::find(r.unread_params.begin(), r.unread_params.end(), key) ==
                   r.unread_params.end();
        });
        if (!read)
            return Error{fmt::format("--param {}: no policy run reads this key: check its "
                                     "spelling against the policy's documentation",
                                     key)};
    }
    return Ok{};
}

int run(const Args &a)
{
    TraceFile trace;
    if (!a.trace.empty())
        if (auto st = trace.open(a.trace); !st)
            return fail(st.error().message);
    auto s = setup(a, trace);
    if (!s)
        return fail(s.error().message);
    std::vector<RunResult> runs;
    for (const auto &name : s->names) {
        auto r = run_one(a, *s, name);
        if (!r)
            return fail(r.error().message);
        runs.push_back(std::move(*r));
    }
    if (auto st = check_cli_params(s->options, runs); !st)
        return fail(st.error().message);
    const std::string report =
        a.json ? json_report(s->effective, runs) : text_report(s->effective, runs);
    std::fwrite(report.data(), 1, report.size(), stdout);
    if (!a.svg.empty())
        if (auto st = write_file(a.svg, svg_report(s->effective, runs)); !st)
            return fail(st.error().message);
    return 0;
}

} // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): only std::bad_alloc can escape; terminate is right.
int main(int argc, char **argv)
{
    CLI::App app{"scxd-sim: run a scxd policy plugin on a simulated machine and workload, in "
                 "virtual time, and report shares, latencies and fairness",
                 "scxd-sim"};
    Args a;
    auto *policy = app.add_option("-p,--policy", a.policy,
                                  "installed policy name or path to a .so (default: the "
                                  "--config file's, else fifo)");
    app.add_option("--compare", a.compare, "several policies, comma-separated: one table")
        ->excludes(policy);
    app.add_option("-w,--workload", a.workload, "workload TOML file (tests/workloads/*.toml)")
        ->required();
    app.add_option("--config", a.config,
                   "a scxd config file: its policy, mode, slice, max_tasks and [policy.<name>] "
                   "parameters apply (the command line wins)");
    app.add_option("--policy-dir", a.policy_dirs, "extra directory to look policies up in");
    app.add_option("--param", a.params, "policy parameter KEY=VALUE (repeatable)");
    app.add_option("--cpus", a.cpus, "CPUs to simulate (default: the workload's)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--duration", a.duration, "simulated time: seconds, or e.g. 500ms");
    app.add_option("--seed", a.seed, "seed of every random choice")->capture_default_str();
    app.add_option("--mode", a.mode, "builtin-idle or full-user (default: the workload's)")
        ->check(CLI::IsMember({"builtin-idle", "full-user"}));
    app.add_option("--slice-us", a.slice_us, "default time slice in microseconds")
        ->check(CLI::Range(50, 1'000'000));
    app.add_option("--max-tasks", a.max_tasks, "runnable tasks the rings are sized for")
        ->check(CLI::Range(64, 1 << 20));
    app.add_option("--pass-cost-us", a.pass_cost_us, "daemon CPU time per loop pass")
        ->check(CLI::Range(0.1, 1e6));
    app.add_option("--task-cost-us", a.task_cost_us, "daemon CPU time per task in a pass")
        ->check(CLI::Range(0.0, 1e6));
    app.add_flag("--json", a.json, "one JSON object instead of the table");
    app.add_option("--svg", a.svg, "also draw latency CDFs and CPU shares into this SVG file");
    app.add_option("--trace", a.trace,
                   "write every scheduling event of the run to this file ('-': stderr)");
    app.add_flag("--timing", a.timing, "print the wall-clock time of each run to stderr");
    app.add_option("--log-level", a.log_level, "policy log lines shown: debug .. off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }
    // stdout carries the report: policy logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_st("scxd-sim"));
    spdlog::set_level(spdlog::level::from_str(a.log_level));
    return run(a);
}
