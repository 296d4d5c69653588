// The simulator (daemon/sim): workload files, determinism, the kernel half's semantics as the
// policy sees them (affinity, stale decisions, exits, the virtual clock, congestion), and the
// shipped policies compared on the shipped workloads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "sim/duration.hpp"
#include "sim/params.hpp"
#include "sim/report.hpp"
#include "sim/simulator.hpp"

#ifndef SCXD_TEST_FIFO_SO
#error "tests/meson.build passes the path of the built fifo.so as SCXD_TEST_FIFO_SO"
#endif
#ifndef SCXD_TEST_WORKLOAD_DIR
#error "tests/meson.build passes tests/workloads as SCXD_TEST_WORKLOAD_DIR"
#endif

namespace {

namespace fs = std::filesystem;
using namespace scxd::sim;
using Catch::Matchers::ContainsSubstring;

// A policy defined in the test: FIFO, optionally sending every decision to one CPU, and
// recording what it saw so a test can look after the run.
namespace toy {

struct Seen {
    std::vector<std::int32_t> exited;
    std::uint64_t enqueues = 0;
    std::uint64_t clock_mismatches = 0; // enqueue_ns not shortly before now_ns()
    std::uint64_t first_now = 0;
    std::int64_t param_x = -1;
    std::string class0;
};

struct Policy {
    const scxd_host *host;
    std::deque<scxd_decision> queue;
    Seen seen;
};

std::int32_t force_cpu = -2; // -2: FIFO's own choice; otherwise every decision's cpu
Seen last;                   // what the last destroyed instance saw

int create(const scxd_host *host, void **ctx, char * /*err*/, std::size_t /*errlen*/)
{
    auto *p = new Policy{host, {}, {}};
    p->seen.first_now = host->now_ns(host);
    std::int64_t x = -1;
    if (host->param_i64(host, "x", &x) == 0)
        p->seen.param_x = x;
    const char *name = nullptr;
    if (host->param_str(host, "class.0.name", &name) == 0)
        p->seen.class0 = name;
    *ctx = p;
    return 0;
}

int on_enqueue(void *ctx, const scxd_task *t)
{
    auto *p = static_cast<Policy *>(ctx);
    ++p->seen.enqueues;
    const auto now = p->host->now_ns(p->host);
    // Queued a moment ago, in the same clock: not in the future, not long before this pass.
    if (t->enqueue_ns > now || now - t->enqueue_ns > 100'000'000)
        ++p->seen.clock_mismatches;
    const std::int32_t cpu = force_cpu != -2           ? force_cpu
                             : t->nr_cpus_allowed == 1 ? t->prev_cpu
                                                       : SCXD_CPU_ANY;
    p->queue.push_back(scxd_decision_for(t, cpu));
    return 0;
}

int pick(void *ctx, scxd_decision *out)
{
    auto *p = static_cast<Policy *>(ctx);
    if (p->queue.empty())
        return 0;
    *out = p->queue.front();
    p->queue.pop_front();
    return 1;
}

void on_exit(void *ctx, std::int32_t pid)
{
    static_cast<Policy *>(ctx)->seen.exited.push_back(pid);
}

void destroy(void *ctx)
{
    auto *p = static_cast<Policy *>(ctx);
    last = p->seen;
    delete p;
}

const scxd_policy_ops ops{sizeof(scxd_policy_ops), 0, on_enqueue, pick, on_exit, nullptr, destroy};
const scxd_policy_entry entry{SCXD_POLICY_ABI_MAJOR,
                              SCXD_POLICY_ABI_MINOR,
                              sizeof(scxd_policy_entry),
                              0,
                              "toy",
                              "test policy",
                              "1",
                              &ops,
                              create};

} // namespace toy

Workload workload(const std::string &text)
{
    auto w = parse_workload(text, "inline.toml");
    INFO((w ? "" : w.error().message));
    REQUIRE(w.ok());
    return std::move(w).value();
}

RunResult run(const Workload &w, const fs::path &so, const SimOptions &o = {})
{
    auto r = simulate(w, so, o);
    INFO((r ? "" : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

RunResult run_toy(const Workload &w, const SimOptions &o = {})
{
    auto r = simulate(w, toy::entry, o);
    INFO((r ? "" : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

std::string error_of(const std::string &text)
{
    auto w = parse_workload(text, "bad.toml");
    REQUIRE_FALSE(w.ok());
    const auto &msg = w.error().message;
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THAT(msg, ContainsSubstring("bad.toml"));
    return msg;
}

double pct_of_capacity(const RunResult &r, std::uint64_t ns)
{
    return 100.0 * static_cast<double>(ns) / r.capacity_ns();
}

const GroupResult &group(const RunResult &r, const std::string &name)
{
    const auto *g = r.group(name);
    REQUIRE(g != nullptr);
    return *g;
}

const char *const mixed = R"(
[workload]
cpus = 2
duration = "2s"
[[group]]
name = "interactive"
count = 3
behaviour = "periodic"
run = "1ms"
period = "16ms"
deadline = "8ms"
[[group]]
name = "io"
count = 6
behaviour = "cycle"
run = "200us"
sleep = "2ms"
[[group]]
name = "batch"
count = 3
behaviour = "hog"
)";

} // namespace

TEST_CASE("sim: durations and fractions parse exactly", "[sim]")
{
    CHECK(parse_duration("2ms") == 2'000'000u);
    CHECK(parse_duration("1.5s") == 1'500'000'000u);
    CHECK(parse_duration("0.1s") == 100'000'000u);
    CHECK(parse_duration("250us") == 250'000u);
    CHECK(parse_duration("7ns") == 7u);
    CHECK(parse_duration("0s") == 0u);
    CHECK_FALSE(parse_duration("5"));
    CHECK_FALSE(parse_duration("-1ms"));
    CHECK_FALSE(parse_duration("1 ms"));
    CHECK_FALSE(parse_duration("ms"));
    CHECK(parse_ppm("0.25") == 250'000u);
    CHECK(short_duration(12'345) == "12.3us");
    CHECK(short_duration(4'560'000) == "4.56ms");
}

TEST_CASE("sim: a workload reads every key", "[sim]")
{
    const auto w = workload(R"(
[workload]
name = "w"
description = "d"
cpus = 4
duration = "3s"
slice = "2ms"
tick = "4ms"
mode = "full-user"
max_tasks = 1024
daemon_pass_cost = "3us"
daemon_task_cost = "500ns"
wakeup_preempt = "250us"
[[group]]
name = "a"
count = 3
nice = 5
uid = 1000
cgroup = "/user.slice"
comm = "a-very-long-command-name"
cpus = "1-2"
start = "10ms"
stagger = "0s"
jitter = 0.0
behaviour = "cycle"
run = "1ms"
sleep = "2ms"
repeat = 7
exit_after = "1s"
shared_tgid = true
[[group]]
name = "b"
weight = 250
cgroup_id = 42
cpus = [0, 3]
behaviour = "fork"
every = "100ms"
burst = 4
child_run = "300us"
[[group]]
name = "c"
behaviour = "periodic"
run = "1ms"
period = "10ms"
[[change]]
at = "1s"
group = "a"
nice = -5
cpus = [1]
[[change]]
at = "500ms"
group = "b"
kill = true
[policy.toy]
x = 5
flag = true
[[policy.toy.class]]
name = "first"
)");
    CHECK(w.name == "w");
    CHECK(w.cpus == 4);
    CHECK(w.duration_ns == 3 * ns_per_s);
    CHECK(w.slice_ns == 2 * ns_per_ms);
    CHECK(w.tick_ns == 4 * ns_per_ms);
    CHECK(w.mode == Mode::full_user);
    CHECK(w.max_tasks == 1024);
    CHECK(w.daemon_pass_ns == 3000);
    CHECK(w.daemon_task_ns == 500);
    CHECK(w.wakeup_preempt_ns == 250 * ns_per_us);
    REQUIRE(w.groups.size() == 3);
    const auto &a = w.groups[0];
    CHECK(a.count == 3);
    CHECK(a.nice == 5);
    CHECK(a.weight == weight_of_nice(5));
    CHECK(a.uid == 1000);
    CHECK(a.cgroup_id > 1);
    CHECK(a.comm == "a-very-long-com"); // 15 bytes, as TASK_COMM_LEN allows
    CHECK(a.cpus == std::vector<std::uint32_t>{1, 2});
    CHECK(a.start_ns == 10 * ns_per_ms);
    CHECK(a.jitter_ppm == 0);
    CHECK(a.behaviour == Behaviour::cycle);
    CHECK(a.repeat == 7);
    CHECK(a.exit_after_ns == ns_per_s);
    CHECK(a.shared_tgid);
    CHECK(w.groups[1].weight == 250);
    CHECK(w.groups[1].cgroup_id == 42);
    CHECK(w.groups[1].run_ns == 50 * ns_per_us);      // the fork parent's default work
    CHECK(w.groups[2].deadline_ns == 10 * ns_per_ms); // deadline defaults to the period
    REQUIRE(w.changes.size() == 2);
    CHECK(w.changes[0].at_ns == 500 * ns_per_ms); // sorted by time
    CHECK(w.changes[0].kill);
    CHECK(w.changes[1].nice == -5);
    const auto &p = w.policy_params.at("toy");
    CHECK(std::get<std::int64_t>(p.at("x")) == 5);
    CHECK(std::get<std::int64_t>(p.at("flag")) == 1);
    CHECK(std::get<std::string>(p.at("class.0.name")) == "first");
}

TEST_CASE("sim: the kernel's weight table, scaled to 100", "[sim]")
{
    CHECK(weight_of_nice(0) == 100);
    CHECK(weight_of_nice(-20) == 8668);
    CHECK(weight_of_nice(19) == 1);
    CHECK(weight_of_nice(5) == 33);
}

TEST_CASE("sim: a bad workload is one line naming the file, the key and the fix", "[sim]")
{
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehavior = \"hog\"\n"),
               ContainsSubstring("'behaviour' is missing"));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"hog\"\nbehavior = 1\n"),
               ContainsSubstring("unknown key 'behavior'"));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"cycle\"\nrun = 5\n"
                        "sleep = \"1ms\"\n"),
               ContainsSubstring("'run' must be a duration"));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"cycle\"\nrun = \"1ms\"\n"),
               ContainsSubstring("needs 'sleep'"));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"hog\"\nperiod = \"1ms\"\n"),
               ContainsSubstring("for behaviour \"hog\""));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"hog\"\nnice = 1\nweight = 5\n"),
               ContainsSubstring("not both"));
    CHECK_THAT(error_of("[workload]\ncpus = 2\n"), ContainsSubstring("no [[group]]"));
    CHECK_THAT(error_of("[[group]]\nname = \"a\"\nbehaviour = \"hog\"\n[[change]]\nat = \"1s\"\n"
                        "group = \"b\"\nkill = true\n"),
               ContainsSubstring("names no [[group]]"));
    CHECK_THAT(error_of("[workload\n"), ContainsSubstring("not valid TOML"));
    CHECK_THAT(error_of("seed = 3\n[[group]]\nname = \"a\"\nbehaviour = \"hog\"\n"),
               ContainsSubstring("unknown top-level key 'seed'"));

    // Checked against the CPU count a run has, which the command line may change.
    auto w = workload("[workload]\ncpus = 2\n[[group]]\nname = \"a\"\nbehaviour = \"hog\"\n"
                      "cpus = [3]\n");
    auto r = resolve(w, {});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, ContainsSubstring("lists CPU 3"));
    CHECK_THAT(r.error().message, ContainsSubstring("--cpus 4"));
    SimOptions four;
    four.cpus = 4;
    CHECK(resolve(w, four).ok());
}

TEST_CASE("sim: --param values take the type they look like", "[sim]")
{
    auto i = parse_param_arg("class.0.weight=3");
    REQUIRE(i.ok());
    CHECK(i->first == "class.0.weight");
    CHECK(std::get<std::int64_t>(i->second) == 3);
    CHECK(std::get<double>(parse_param_arg("f=2.5")->second) == 2.5);
    CHECK(std::get<std::string>(parse_param_arg("s=batch")->second) == "batch");
    CHECK(std::get<std::string>(parse_param_arg("s=")->second).empty());
    CHECK_FALSE(parse_param_arg("novalue").ok());
    CHECK_FALSE(parse_param_arg("=3").ok());
}

TEST_CASE("sim: the same seed gives the same output, another seed another", "[sim]")
{
    const auto w = workload(mixed);
    SimOptions o;
    o.seed = 7;
    const auto a = json_report(w, {run(w, SCXD_TEST_FIFO_SO, o)});
    const auto b = json_report(w, {run(w, SCXD_TEST_FIFO_SO, o)});
    o.seed = 8;
    const auto c = json_report(w, {run(w, SCXD_TEST_FIFO_SO, o)});
    CHECK(a == b);
    CHECK(a != c);
    CHECK(text_report(w, {run(w, SCXD_TEST_FIFO_SO)}) ==
          text_report(w, {run(w, SCXD_TEST_FIFO_SO)}));
}

TEST_CASE("sim: a trace lists the events and changes nothing", "[sim]")
{
    auto w = workload(mixed);
    SimOptions o;
    o.duration_ns = 50 * ns_per_ms;
    const auto plain = json_report(w, {run(w, SCXD_TEST_FIFO_SO, o)});
    std::FILE *f = std::tmpfile();
    REQUIRE(f != nullptr);
    o.trace = f;
    const auto traced = json_report(w, {run(w, SCXD_TEST_FIFO_SO, o)});
    CHECK(plain == traced);
    std::rewind(f);
    std::string text;
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof(buf), f))
        text.append(buf, n);
    std::fclose(f);
    CHECK_THAT(text, ContainsSubstring("# policy fifo, workload inline, 2 CPUs, seed 1"));
    CHECK_THAT(text, ContainsSubstring("-> user space (gen 1)"));
    CHECK_THAT(text, ContainsSubstring("daemon pass on cpu"));
    CHECK_THAT(text, ContainsSubstring("/batch for up to 5.00ms"));
}

TEST_CASE("sim: FIFO leaves no CPU idle while a task waits", "[sim]")
{
    const auto w = workload(mixed);
    for (const auto mode : {Mode::builtin_idle, Mode::full_user}) {
        SimOptions o;
        o.mode = mode;
        const auto r = run(w, SCXD_TEST_FIFO_SO, o);
        INFO(to_string(mode));
        CHECK(r.idle_placed_ns == 0);
        // Only the daemon's own reaction time: a few microseconds per wakeup at most.
        CHECK(pct_of_capacity(r, r.idle_waiting_ns) < 0.05);
        CHECK(r.idle_ns < r.capacity_ns() / 100); // the CPUs are oversubscribed
        CHECK(r.sim.affinity_violations == 0);
        CHECK(r.counters.invalid_decisions == 0);
    }
}

TEST_CASE("sim: hogs share the CPUs evenly under FIFO", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 2
duration = "3s"
[[group]]
name = "hogs"
count = 6
behaviour = "hog"
)");
    const auto r = run(w, SCXD_TEST_FIFO_SO);
    const auto &g = group(r, "hogs");
    CHECK(g.jain > 0.999);
    CHECK(g.cpu_pct > 99.0);
    for (const auto &t : r.tasks) {
        const double share = 100.0 * static_cast<double>(t.cpu_ns) / static_cast<double>(g.cpu_ns);
        CHECK(share > 100.0 / 6 - 1.0);
        CHECK(share < 100.0 / 6 + 1.0);
    }
    CHECK(g.wakeup.count == 0); // hogs never sleep
    CHECK(g.wait.max <= 20 * ns_per_ms + 100 * ns_per_us);
}

TEST_CASE("sim: pinned tasks run only on their CPU, even when told otherwise", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 3
duration = "2s"
[[group]]
name = "on1"
count = 2
behaviour = "hog"
cpus = [1]
[[group]]
name = "on2"
count = 1
behaviour = "cycle"
run = "1ms"
sleep = "1ms"
cpus = [2]
[[group]]
name = "free"
count = 4
behaviour = "cycle"
run = "2ms"
sleep = "1ms"
)");
    const auto check_pinned = [&](const RunResult &r) {
        CHECK(r.sim.affinity_violations == 0);
        for (const auto &t : r.tasks) {
            const auto &name = r.groups[t.group].name;
            if (name == "free")
                continue;
            const std::size_t cpu = name == "on1" ? 1 : 2;
            INFO(name << " pid " << t.pid);
            CHECK(t.ran_on_ns[cpu] == t.cpu_ns);
            CHECK(t.cpu_ns > 0);
        }
    };
    SECTION("FIFO sends them to their own CPU")
    {
        const auto r = run(w, SCXD_TEST_FIFO_SO);
        check_pinned(r);
        CHECK(r.counters.bounce_dispatches == 0);
        CHECK(r.idle_placed_ns == 0);
    }
    SECTION("a decision for CPU 0 is bounced to the shared queue")
    {
        toy::force_cpu = 0;
        const auto r = run_toy(w);
        toy::force_cpu = -2;
        check_pinned(r);
        CHECK(r.counters.bounce_dispatches > 0);
    }
}

TEST_CASE("sim: decisions for an older enqueue are cancelled and nothing is lost", "[sim]")
{
    // A slow daemon (200 us a pass) keeps decisions in flight; renicing every task then
    // re-enqueues some whose decision has not reached the kernel yet.
    const auto w = workload(R"(
[workload]
cpus = 2
duration = "2s"
mode = "full-user"
daemon_pass_cost = "200us"
[[group]]
name = "busy"
count = 40
behaviour = "cycle"
run = "100us"
sleep = "1ms"
[[change]]
at = "500ms"
group = "busy"
nice = 5
[[change]]
at = "1s"
group = "busy"
nice = 0
[[change]]
at = "1500ms"
group = "busy"
weight = 300
)");
    const auto r = run(w, SCXD_TEST_FIFO_SO);
    CHECK(r.counters.cancel_dispatches > 0);
    CHECK(r.sim.affinity_violations == 0);
    // Every task kept running to the end: none was lost with its cancelled decision.
    for (const auto &t : r.tasks)
        CHECK(t.iterations > 100);
    CHECK(group(r, "busy").wait.max < 50 * ns_per_ms);
}

TEST_CASE("sim: every exit reaches the policy's on_exit, once", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 2
duration = "1s"
mode = "full-user"
daemon_pass_cost = "50us"
[[group]]
name = "short"
count = 5
behaviour = "cycle"
run = "1ms"
sleep = "1ms"
repeat = 10
[[group]]
name = "forker"
behaviour = "fork"
every = "100ms"
burst = 8
child_run = "500us"
[[group]]
name = "doomed"
count = 30
behaviour = "cycle"
run = "300us"
sleep = "100us"
[[change]]
at = "400ms"
group = "doomed"
kill = true
)");
    const auto r = run_toy(w);
    const auto &seen = toy::last;
    std::set<std::int32_t> exited_tasks;
    for (const auto &t : r.tasks)
        if (t.exited)
            exited_tasks.insert(t.pid);
    CHECK(exited_tasks.size() == 5 + 80 + 30); // short tasks, 10 bursts of children, doomed
    CHECK(r.counters.exits == exited_tasks.size());
    CHECK(std::set<std::int32_t>(seen.exited.begin(), seen.exited.end()) == exited_tasks);
    CHECK(seen.exited.size() == exited_tasks.size());
    CHECK(group(r, "forker").iterations == 80); // children that finished
    CHECK(group(r, "doomed").exited == 30);
}

TEST_CASE("sim: the policy sees virtual time, and its parameters", "[sim]")
{
    auto w = workload(std::string(mixed) + "[policy.toy]\nx = 3\n[[policy.toy.class]]\n"
                                           "name = \"gold\"\n");
    SimOptions o;
    const auto r = run_toy(w, o);
    CHECK(toy::last.clock_mismatches == 0);
    CHECK(toy::last.first_now == ns_per_s);         // the host clock reads 1 s at the start
    CHECK(toy::last.enqueues <= r.counters.queued); // some may be left in the ring at the end
    CHECK(toy::last.enqueues + 12 >= r.counters.queued);
    CHECK(toy::last.param_x == 3);
    CHECK(toy::last.class0 == "gold");
    o.params["x"] = std::int64_t{9}; // --param wins over the workload's table
    o.params["nobody_reads_this"] = std::int64_t{1};
    const auto r2 = run_toy(w, o);
    CHECK(toy::last.param_x == 9);
    CHECK(r2.unread_params == std::vector<std::string>{"nobody_reads_this"});

    // A config file's table replaces the workload's as a whole.
    SimOptions cfg;
    cfg.policy_table = scxd::ParamMap{{"x", std::int64_t{4}}};
    cfg.policy_table_file = "scxd.toml";
    (void)run_toy(w, cfg);
    CHECK(toy::last.param_x == 4);
    CHECK(toy::last.class0.empty());
    cfg.policy_table = scxd::ParamMap{{"y", std::int64_t{4}}};
    const auto cfg_typo = simulate(w, toy::entry, cfg);
    REQUIRE_FALSE(cfg_typo.ok());
    CHECK_THAT(cfg_typo.error().message, ContainsSubstring("scxd.toml: [policy.toy] key 'y'"));

    // A key of the policy's own table that it never reads is a typo: an error.
    auto typo = parse_workload(std::string(mixed) + "[policy.toy]\nxx = 3\n", "typo.toml");
    REQUIRE(typo.ok());
    const auto bad = simulate(*typo, toy::entry, {});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, ContainsSubstring("typo.toml: [policy.toy] key 'xx'"));
    CHECK_THAT(bad.error().message, ContainsSubstring("it reads class.0.name, x"));
}

TEST_CASE("sim: builtin-idle runs wakeups on idle CPUs without the policy", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 4
duration = "1s"
[[group]]
name = "light"
count = 2
behaviour = "cycle"
run = "100us"
sleep = "2ms"
)");
    SimOptions o;
    o.mode = Mode::builtin_idle;
    const auto idle = run(w, SCXD_TEST_FIFO_SO, o);
    CHECK(idle.counters.kernel_dispatches > 0);
    CHECK(idle.counters.queued < idle.counters.kernel_dispatches);
    CHECK(group(idle, "light").wakeup.p99 == 0); // an idle CPU was always there
    o.mode = Mode::full_user;
    const auto user = run(w, SCXD_TEST_FIFO_SO, o);
    CHECK(user.counters.kernel_dispatches == 0);
    // Through user space a wakeup takes one daemon pass: 5 us + 1 us per task.
    CHECK(group(user, "light").wakeup.p50 == 6 * ns_per_us);
    CHECK(user.daemon_passes > 0);
    CHECK(user.daemon_ns >= user.daemon_passes * 5 * ns_per_us);
}

TEST_CASE("sim: a woken task preempts a busy CPU for the daemon, rate-limited", "[sim]")
{
    // Two hogs keep both CPUs busy; the light task's wakeups find no idle CPU.
    const std::string common = R"(
cpus = 2
duration = "2s"
slice = "10ms"
[[group]]
name = "hog"
count = 2
behaviour = "hog"
[[group]]
name = "light"
behaviour = "cycle"
run = "100us"
sleep = "3ms"
)";
    const auto never =
        run(workload("[workload]\nwakeup_preempt = \"0s\"\n" + common), SCXD_TEST_FIFO_SO);
    const auto wp = run(workload("[workload]\n" + common), SCXD_TEST_FIFO_SO);
    CHECK(never.counters.wakeup_preempts == 0);
    CHECK(wp.counters.wakeup_preempts > 0);
    // Without it a wakeup waits for the next slice end (up to 10 ms); with it, for one pass.
    CHECK(group(never, "light").wakeup.p50 > ns_per_ms);
    CHECK(group(wp, "light").wakeup.p99 < 100 * ns_per_us);
    // At most one preemption per 250 us (the default), and not one per wakeup of the hogs:
    // they never sleep, so only the light task's wakeups count.
    CHECK(wp.counters.wakeup_preempts <= 8000);
    CHECK(wp.counters.wakeup_preempts <= group(wp, "light").wakeup.count);
}

TEST_CASE("sim: a full queued ring falls back to FIFO without losing a task", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 2
duration = "1s"
mode = "full-user"
max_tasks = 64
[[group]]
name = "crowd"
count = 2000
behaviour = "cycle"
run = "50us"
sleep = "20ms"
stagger = "0s"
)");
    const auto r = run(w, SCXD_TEST_FIFO_SO);
    CHECK(r.counters.congested > 0);
    for (const auto &t : r.tasks)
        CHECK(t.cpu_ns > 0);
    CHECK(r.idle_placed_ns == 0);
}

TEST_CASE("sim: speed of a 10 s, 2 CPU, 100 task run", "[sim]")
{
    const auto w = workload(R"(
[workload]
cpus = 2
duration = "10s"
[[group]]
name = "wakers"
count = 80
behaviour = "cycle"
run = "300us"
sleep = "3ms"
[[group]]
name = "hogs"
count = 20
behaviour = "hog"
)");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run(w, SCXD_TEST_FIFO_SO);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "sim: 10 s, 2 CPUs, 100 tasks under fifo: %.3f s wall, %llu events\n", s,
                 static_cast<unsigned long long>(r.sim.events));
    CHECK(r.sim.events > 0); // timing is printed, not asserted: machines differ
}

TEST_CASE("sim: every shipped workload loads and runs", "[sim]")
{
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(SCXD_TEST_WORKLOAD_DIR))
        if (e.path().extension() == ".toml")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 5);
    for (const auto &f : files) {
        INFO(f.string());
        auto w = load_workload(f);
        INFO((w ? "" : w.error().message));
        REQUIRE(w.ok());
        SimOptions o;
        o.duration_ns = ns_per_s;
        const auto r = run(*w, SCXD_TEST_FIFO_SO, o);
        CHECK(r.sim.affinity_violations == 0);
        CHECK(r.idle_placed_ns == 0);
        CHECK(r.all.cpu_ns > 0);
    }
}

#if defined(SCXD_TEST_VRUNTIME_SO) && defined(SCXD_TEST_WEIGHTED_SO)
TEST_CASE("sim: fifo, vruntime and weighted on the shipped workloads", "[sim][policies]")
{
    const fs::path dir = SCXD_TEST_WORKLOAD_DIR;
    const std::vector<fs::path> policies{SCXD_TEST_FIFO_SO, SCXD_TEST_VRUNTIME_SO,
                                         SCXD_TEST_WEIGHTED_SO};
    SimOptions o;
    o.duration_ns = 3 * ns_per_s;

    SECTION("weighted: class shares follow the class weights (within 5 points)")
    {
        auto w = load_workload(dir / "weighted.toml");
        REQUIRE(w.ok());
        const auto r = run(*w, SCXD_TEST_WEIGHTED_SO, o);
        CHECK(std::abs(group(r, "gold").share_pct - 50.0) < 5.0);
        CHECK(std::abs(group(r, "silver").share_pct - 100.0 / 3) < 5.0);
        CHECK(std::abs(group(r, "bronze").share_pct - 100.0 / 6) < 5.0);
        const auto f = run(*w, SCXD_TEST_FIFO_SO, o);
        CHECK(std::abs(group(f, "gold").share_pct - 100.0 / 3) < 2.0); // FIFO ignores classes
    }
    SECTION("no policy leaves a CPU idle while a task with a decision waits")
    {
        for (const auto *name : {"hogs.toml", "mixed.toml", "weighted.toml", "pinned.toml"}) {
            auto w = load_workload(dir / name);
            REQUIRE(w.ok());
            for (const auto &p : policies) {
                INFO(name << " " << p.filename().string());
                const auto r = run(*w, p, o);
                CHECK(r.idle_placed_ns == 0);
                CHECK(pct_of_capacity(r, r.idle_waiting_ns) < 0.1);
                CHECK(r.sim.affinity_violations == 0);
            }
        }
    }
    SECTION("vruntime: BPF places wakeups itself, the woken task runs sooner")
    {
        // cyclictest among hogs (bench/vm's cyclic_loaded): a pinned thread that runs
        // briefly every millisecond, with one hog per CPU; a daemon pass is expensive, as
        // under TCG.
        const auto w = workload(R"([workload]
cpus = 2
duration = "3s"
[[group]]
name = "hog"
count = 2
behaviour = "hog"
[[group]]
name = "tick"
count = 1
behaviour = "cycle"
run = "20us"
sleep = "1ms"
cpus = [0]
)");
        SimOptions slow = o;
        slow.daemon_pass_ns = 200'000;
        SimOptions policy_sees_all = slow;
        policy_sees_all.params["requeue_wakeups"] = std::int64_t{0};
        const auto all = run(w, SCXD_TEST_VRUNTIME_SO, policy_sees_all);
        const auto kw = run(w, SCXD_TEST_VRUNTIME_SO, slow);
        CHECK(all.counters.kernel_wakeups == 0);
        CHECK(kw.counters.kernel_wakeups > 0);
        // At most one wakeup in sixteen reaches the daemon (requeue_max = 15); the hogs' slice
        // ends (each wakeup preempts one) count against their own budget.
        CHECK(kw.counters.queued * 3 < all.counters.queued);
        CHECK(group(kw, "tick").wakeup.mean < group(all, "tick").wakeup.mean);
        CHECK(group(kw, "tick").iterations >= group(all, "tick").iterations);
        // The hogs still share what is left equally.
        CHECK(group(kw, "hog").jain > 0.99);
        CHECK(kw.idle_waiting_ns == 0);
        CHECK(kw.sim.affinity_violations == 0);
    }
    SECTION("vruntime: wakeups in the wake window use no turn")
    {
        // A pipe's ping-pong in full-user mode: tasks that run briefly and sleep briefly find
        // an idle CPU at each wakeup, which BPF claims for them from the standing decision.
        // Without the window every sixteenth wakeup waits for a daemon pass (expensive, as
        // under TCG); with it (wake_window_us, default 20 ms) about one per window does.
        const auto w = workload(R"([workload]
cpus = 2
duration = "1s"
[[group]]
name = "pp"
count = 2
behaviour = "cycle"
run = "20us"
sleep = "30us"
)");
        SimOptions slow = o;
        slow.mode = Mode::full_user;
        slow.daemon_pass_ns = 200'000;
        SimOptions no_window = slow;
        no_window.params["wake_window_us"] = std::int64_t{0};
        const auto turns = run(w, SCXD_TEST_VRUNTIME_SO, no_window);
        const auto window = run(w, SCXD_TEST_VRUNTIME_SO, slow);
        CHECK(turns.counters.kernel_wakeups > 0);
        CHECK(window.counters.queued * 10 < turns.counters.queued);
        CHECK(window.counters.kernel_wakeups > turns.counters.kernel_wakeups);
        CHECK(group(window, "pp").wakeup.mean < group(turns, "pp").wakeup.mean);
        CHECK(group(window, "pp").iterations > group(turns, "pp").iterations);
        CHECK(window.sim.affinity_violations == 0);
    }
    SECTION("vruntime: busy wakers preempt each other only beyond the wakeup granularity")
    {
        // Many more short sleepers than CPUs (hackbench's shape): each wakeup finds both CPUs
        // busy and the woken task a little behind what runs (the sleeper credit is shared
        // among 40 tasks). Without a granularity those preempt; with the default 1 ms they do
        // not, which leaves the preemptions for the daemon (a wakeup the policy must see),
        // and the tasks still share the CPUs equally.
        const auto w = workload(R"([workload]
cpus = 2
duration = "1s"
[[group]]
name = "busy"
count = 40
behaviour = "cycle"
run = "200us"
sleep = "200us"
)");
        SimOptions no_gran = o;
        no_gran.params["wakeup_granularity_us"] = std::int64_t{0};
        const auto every = run(w, SCXD_TEST_VRUNTIME_SO, no_gran);
        const auto gran = run(w, SCXD_TEST_VRUNTIME_SO, o);
        CHECK(every.counters.wakeup_preempts > 0);
        CHECK(gran.counters.wakeup_preempts * 5 < every.counters.wakeup_preempts * 4);
        CHECK(group(gran, "busy").jain > 0.95);
        CHECK(gran.sim.affinity_violations == 0);
    }
    SECTION("vruntime: pinned wakeups on two CPUs at once each preempt their CPU's hog")
    {
        // Two threads of one period, one pinned to each CPU, wake microseconds apart: each
        // CPU has its own preemption limit, so the second does not wait for a slice end.
        const auto w = workload(R"([workload]
cpus = 2
duration = "3s"
[[group]]
name = "hog"
count = 2
behaviour = "hog"
[[group]]
name = "tick0"
count = 1
behaviour = "cycle"
run = "20us"
sleep = "1ms"
cpus = [0]
[[group]]
name = "tick1"
count = 1
behaviour = "cycle"
run = "20us"
sleep = "1ms"
cpus = [1]
)");
        SimOptions slow = o;
        slow.daemon_pass_ns = 200'000;
        const auto r = run(w, SCXD_TEST_VRUNTIME_SO, slow);
        for (const char *name : {"tick0", "tick1"}) {
            INFO(name);
            // A slice end (5 ms) in the p99 was the machine-wide limit letting one of the
            // two preempt; what is left is the one wakeup in eight that goes to the daemon.
            CHECK(group(r, name).wakeup.p99 < 1'000'000);
            CHECK(group(r, name).iterations > 2700);
        }
        CHECK(r.sim.affinity_violations == 0);
    }
    SECTION("vruntime: BPF requeues hogs itself, shares stay as decided")
    {
        // Two nice-0 and two nice-5 hogs on two CPUs, as in tests/vm/guest/50-fairness.sh.
        const auto w = workload(R"([workload]
cpus = 2
duration = "3s"
[[group]]
name = "n0"
count = 2
behaviour = "hog"
[[group]]
name = "n5"
count = 2
nice = 5
behaviour = "hog"
)");
        SimOptions every = o;
        every.params["requeue_max"] = std::int64_t{0};
        const auto each = run(w, SCXD_TEST_VRUNTIME_SO, every);
        const auto rq = run(w, SCXD_TEST_VRUNTIME_SO, o);
        CHECK(each.counters.kernel_requeues == 0);
        CHECK(rq.counters.kernel_requeues > 0);
        // At most one slice end in sixteen reaches the daemon (requeue_max = 15).
        CHECK(rq.daemon_passes * 6 < each.daemon_passes);
        const auto ratio = [](const RunResult &r) {
            return group(r, "n0").share_pct / group(r, "n5").share_pct;
        };
        // nice 0 : nice 5 is 1024 : 335 in the kernel's weights.
        CHECK(std::abs(ratio(each) - 1024.0 / 335) < 0.15);
        CHECK(std::abs(ratio(rq) - 1024.0 / 335) < 0.15);
        CHECK(group(rq, "n0").jain > 0.99);
        CHECK(group(rq, "n5").jain > 0.99);
        CHECK(rq.idle_waiting_ns == 0);
    }
    SECTION("vruntime: interactive tasks wake faster than under FIFO")
    {
        auto w = load_workload(dir / "mixed.toml");
        REQUIRE(w.ok());
        const auto f = run(*w, SCXD_TEST_FIFO_SO, o);
        const auto v = run(*w, SCXD_TEST_VRUNTIME_SO, o);
        CHECK(group(v, "interactive").wakeup.p99 < group(f, "interactive").wakeup.p99);
        CHECK(group(v, "interactive").deadline_misses < group(f, "interactive").deadline_misses);
    }
}
#endif
