// The vruntime plugin from the build tree, loaded as the daemon loads it: ordering by deadline,
// sleeper credit, CPU shares by nice weight in a closed-loop simulation, slices by queue
// length, pools and parameters.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/loop.hpp"
#include "fake_backend.hpp"
#include "plugin/plugin.hpp"

#ifndef SCXD_TEST_VRUNTIME_SO
#error "tests/meson.build passes the path of the built vruntime.so as SCXD_TEST_VRUNTIME_SO"
#endif

namespace {

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::WithinRel;
using scxd::test::FakeBackend;
using scxd::test::make_task;

constexpr std::uint64_t ms = 1'000'000;
constexpr std::uint64_t us = 1'000;

scxd::HostConfig host_config(std::uint32_t nr_cpus = 1, std::uint32_t max_tasks = 8192)
{
    scxd::HostConfig config;
    config.nr_cpus = nr_cpus;
    config.max_tasks = max_tasks;
    config.default_slice_ns = 5 * ms;
    return config;
}

scxd::Result<std::unique_ptr<scxd::PolicyInstance>> try_load(const scxd::HostConfig &config)
{
    auto plugin = scxd::Plugin::open(SCXD_TEST_VRUNTIME_SO);
    INFO((plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    return scxd::PolicyInstance::create(*plugin, config);
}

std::unique_ptr<scxd::PolicyInstance> load(const scxd::HostConfig &config = host_config())
{
    auto inst = try_load(config);
    INFO((inst ? "" : inst.error().message));
    REQUIRE(inst.ok());
    return std::move(inst).value();
}

std::string create_error(const scxd::HostConfig &config)
{
    auto inst = try_load(config);
    REQUIRE_FALSE(inst.ok());
    const auto &msg = inst.error().message;
    INFO("error: " << msg);
    CHECK(msg.find('\n') == std::string::npos);
    return msg;
}

std::vector<scxd_decision> pick_all(const scxd::PolicyRef &ref)
{
    std::vector<scxd_decision> out;
    scxd_decision d{};
    while (ref.pick(d))
        out.push_back(d);
    return out;
}

// The task came back to the policy having used `ran` more CPU time.
scxd_task again(scxd_task t, std::uint64_t ran, std::uint32_t flags = 0)
{
    t.sum_exec_runtime += ran;
    t.ran_since_placed_ns = ran; // one run since its decision: no requeue by the kernel
    t.flags = flags;
    return t;
}

scxd_decision enqueue_one(const scxd::PolicyRef &ref, const scxd_task &t)
{
    REQUIRE(ref.on_enqueue(t) == 0);
    const auto picked = pick_all(ref);
    REQUIRE(picked.size() == 1);
    return picked[0];
}

// Closed loop on one CPU: a vtime-ordered queue stands in for the kernel's, and each picked
// task runs its whole slice, then comes back to the policy.
class Sim {
public:
    explicit Sim(scxd::PolicyRef ref) : ref_(ref) {}

    void add(scxd_task t)
    {
        t.flags = SCXD_TASK_WAKEUP;
        tasks_[t.pid] = t;
        REQUIRE(ref_.on_enqueue(t) == 0);
        drain();
    }

    // CPU time each task got in the next `slices` slices.
    std::map<std::int32_t, std::uint64_t> run(int slices)
    {
        std::map<std::int32_t, std::uint64_t> ran;
        for (int i = 0; i < slices && !queue_.empty(); ++i) {
            const scxd_decision d = queue_.begin()->second;
            queue_.erase(queue_.begin());
            auto &t = tasks_.at(d.pid);
            REQUIRE(d.cookie == t.cookie);
            REQUIRE(d.slice_ns > 0);
            now_ += d.slice_ns;
            ran[d.pid] += d.slice_ns;
            t = again(t, d.slice_ns);
            t.enqueue_ns = now_;
            REQUIRE(ref_.on_enqueue(t) == 0);
            drain();
        }
        return ran;
    }

private:
    void drain()
    {
        for (const auto &d : pick_all(ref_)) {
            REQUIRE(d.vtime != 0);
            queue_.emplace(std::pair{d.vtime, seq_++}, d);
        }
    }

    scxd::PolicyRef ref_;
    std::map<std::int32_t, scxd_task> tasks_;
    std::map<std::pair<std::uint64_t, std::uint64_t>, scxd_decision> queue_;
    std::uint64_t seq_ = 0;
    std::uint64_t now_ = 0;
};

double ratio(std::map<std::int32_t, std::uint64_t> ran, std::int32_t a, std::int32_t b)
{
    REQUIRE(ran[b] > 0);
    return static_cast<double>(ran[a]) / static_cast<double>(ran[b]);
}

} // namespace

TEST_CASE("vruntime: the plugin loads and describes itself", "[vruntime]")
{
    const auto inst = load();
    CHECK(inst->plugin().name() == "vruntime");
    CHECK(inst->plugin().entry().ops->on_exit != nullptr);
    CHECK(inst->ref().nr_pending() == 0);
}

TEST_CASE("vruntime: the task with the earliest deadline is picked first", "[vruntime]")
{
    const auto inst = load();
    const auto ref = inst->ref();
    auto a = make_task(1);
    auto b = make_task(2);
    auto c = make_task(3);
    for (const auto &t : {a, b, c})
        REQUIRE(ref.on_enqueue(t) == 0);
    // Fresh tasks tie: first come, first served.
    CHECK(scxd::test::pids_of(pick_all(ref)) == std::vector<std::int32_t>{1, 2, 3});

    SECTION("less CPU used: earlier")
    {
        for (const auto &t : {again(a, 3 * ms), again(b, 1 * ms), again(c, 2 * ms)})
            REQUIRE(ref.on_enqueue(t) == 0);
        const auto picked = pick_all(ref);
        CHECK(scxd::test::pids_of(picked) == std::vector<std::int32_t>{2, 3, 1});
        CHECK(picked[0].vtime < picked[1].vtime);
        CHECK(picked[1].vtime < picked[2].vtime);
    }
    SECTION("the same CPU at a higher weight: earlier")
    {
        b.weight = 300;
        for (const auto &t : {again(a, 2 * ms), again(b, 2 * ms)})
            REQUIRE(ref.on_enqueue(t) == 0);
        CHECK(scxd::test::pids_of(pick_all(ref)) == std::vector<std::int32_t>{2, 1});
    }
    SECTION("the same CPU in shorter activations: earlier")
    {
        for (int i = 0; i < 8; ++i) {
            a = again(a, 500 * us, SCXD_TASK_WAKEUP);
            (void)enqueue_one(ref, a);
        }
        b = again(b, 4 * ms, SCXD_TASK_WAKEUP);
        for (const auto &t : {b, again(a, 0, SCXD_TASK_WAKEUP)})
            REQUIRE(ref.on_enqueue(t) == 0);
        CHECK(scxd::test::pids_of(pick_all(ref)) == std::vector<std::int32_t>{1, 2});
    }
}

TEST_CASE("vruntime: a waking sleeper goes before a hog that used its slice", "[vruntime]")
{
    const auto inst = load();
    const auto ref = inst->ref();
    auto hog = make_task(10);
    auto sleeper = make_task(11);
    REQUIRE(ref.on_enqueue(hog) == 0);
    REQUIRE(ref.on_enqueue(sleeper) == 0);
    (void)pick_all(ref);
    sleeper.sum_exec_runtime = 100 * us; // ran briefly, then slept while the hog ran
    sleeper.ran_since_placed_ns = 100 * us;
    for (int i = 0; i < 5; ++i) {
        const auto d = enqueue_one(ref, hog);
        hog = again(hog, d.slice_ns);
    }
    REQUIRE(ref.on_enqueue(hog) == 0); // first in: FIFO alone would pick it first
    REQUIRE(ref.on_enqueue(again(sleeper, 50 * us, SCXD_TASK_WAKEUP)) == 0);
    const auto picked = pick_all(ref);
    CHECK(scxd::test::pids_of(picked) == std::vector<std::int32_t>{11, 10});
}

TEST_CASE("vruntime: sleeper credit bounds how far behind a task is placed", "[vruntime]")
{
    // One hog sets virtual time: after three 20 ms runs it stands at 40 ms (where the third
    // run started). A task that slept since time 0 is placed sleeper_credit behind that; its
    // deadline adds the 5 ms reference slice, or the slice it gets when that is shorter.
    // With more than one other task per CPU competing, the credit is shared among them.
    struct Case {
        std::int64_t param_us; // -1: absent
        std::int32_t others;   // tasks that join just before the sleeper wakes
        std::uint64_t credit;
        std::uint64_t request;
    };
    const auto c = GENERATE(values<Case>({
        {-1, 0, 10 * ms, 5 * ms},
        {0, 0, 0, 5 * ms},
        {25'000, 0, 25 * ms, 5 * ms},
        // The hog and 8 more: 9 others on one CPU share the credit, and the slice is
        // 20 ms / 10 tasks.
        {-1, 8, 10 * ms / 9, 2 * ms},
    }));
    INFO("sleeper_credit_us = " << c.param_us << ", " << c.others << " more tasks");
    auto config = host_config();
    if (c.param_us >= 0)
        config.params["sleeper_credit_us"] = c.param_us;
    const auto inst = load(config);
    const auto ref = inst->ref();
    auto hog = make_task(1);
    const auto sleeper = make_task(2);
    REQUIRE(enqueue_one(ref, hog).vtime == 5 * ms); // fresh: 0 + the 5 ms reference slice
    REQUIRE(enqueue_one(ref, sleeper).vtime == 5 * ms);
    for (int i = 0; i < 3; ++i) {
        hog = again(hog, 20 * ms);
        CHECK(enqueue_one(ref, hog).vtime == (20 * ms) * (i + 1) + 5 * ms);
    }
    for (std::int32_t pid = 100; pid < 100 + c.others; ++pid)
        (void)enqueue_one(ref, make_task(pid));
    CHECK(enqueue_one(ref, again(sleeper, 0, SCXD_TASK_WAKEUP)).vtime ==
          40 * ms - c.credit + c.request);
}

TEST_CASE("vruntime: CPU shares follow nice weights", "[vruntime]")
{
    const auto inst = load();
    Sim sim(inst->ref());
    auto nice0 = make_task(1);
    auto nice5 = make_task(2);
    nice0.weight = 100; // sched_prio_to_weight 1024 on the 1..10000 scale
    nice5.weight = 33;  // 335 -> 33
    sim.add(nice0);
    sim.add(nice5);
    (void)sim.run(50); // settle
    const auto ran = sim.run(1000);
    CHECK_THAT(ratio(ran, 1, 2), WithinRel(1024.0 / 335.0, 0.10));

    SECTION("three equal tasks share equally")
    {
        sim.add(make_task(3)); // another nice-0 task joins
        (void)sim.run(50);
        const auto ran3 = sim.run(1000);
        CHECK_THAT(ratio(ran3, 3, 1), WithinRel(1.0, 0.10));
        CHECK_THAT(ratio(ran3, 1, 2), WithinRel(1024.0 / 335.0, 0.10));
    }
}

TEST_CASE("vruntime: slices shrink with the number of waiting tasks per CPU", "[vruntime]")
{
    const bool defaults = GENERATE(true, false);
    INFO((defaults ? "defaults" : "min_slice_us 1000, max_slice_us 8000"));
    auto config = host_config(4);
    std::uint64_t max_slice = 20 * ms;
    std::uint64_t min_slice = 500 * us;
    if (!defaults) {
        config.params["min_slice_us"] = std::int64_t{1000};
        config.params["max_slice_us"] = std::int64_t{8000};
        max_slice = 8 * ms;
        min_slice = 1 * ms;
    }
    const auto inst = load(config);
    const auto ref = inst->ref();
    auto slices_for = [&](std::int32_t n) {
        for (std::int32_t pid = 1; pid <= n; ++pid)
            REQUIRE(ref.on_enqueue(make_task(pid)) == 0);
        std::vector<std::uint64_t> s;
        for (const auto &d : pick_all(ref))
            s.push_back(d.slice_ns);
        REQUIRE(s.size() == static_cast<std::size_t>(n));
        CHECK(std::all_of(s.begin(), s.end(), [&](auto x) { return x == s[0]; }));
        return s[0];
    };
    CHECK(slices_for(1) == max_slice);
    CHECK(slices_for(4) == max_slice);      // one task per CPU
    CHECK(slices_for(16) == max_slice / 4); // four per CPU
    CHECK(slices_for(4000) == min_slice);   // clamped
}

TEST_CASE("vruntime: slices grow back when tasks stop competing", "[vruntime]")
{
    // A task that stays runnable comes back only every requeue_max + 1 slices (the kernel
    // requeues it in between), so the others' turns are that much longer apart.
    const std::int64_t requeue_max = GENERATE(0, 3);
    INFO("requeue_max = " << requeue_max);
    auto config = host_config();
    config.params["requeue_max"] = requeue_max;
    const auto inst = load(config);
    const auto ref = inst->ref();
    const auto turns = static_cast<std::uint64_t>(requeue_max + 1);
    for (std::int32_t pid = 1; pid <= 8; ++pid)
        REQUIRE(ref.on_enqueue(make_task(pid)) == 0);
    const auto first = pick_all(ref);
    CHECK(first.back().slice_ns == 20 * ms / 8); // eight tasks on one CPU
    // Only task 1 comes back from now on: the others went to sleep. Once it has run for
    // their turns (twice over), they no longer count.
    auto t = make_task(1);
    std::uint64_t slice = first.back().slice_ns;
    std::uint64_t ran = 0;
    while (slice < 20 * ms && ran < 1000 * ms) {
        t = again(t, slice);
        ran += slice;
        slice = enqueue_one(ref, t).slice_ns;
    }
    CHECK(slice == 20 * ms);
    CHECK(ran > 20 * ms * turns);  // not before their turns could have come
    CHECK(ran < 200 * ms * turns); // and not long after
}

TEST_CASE("vruntime: pinned tasks go to their CPU, others to any", "[vruntime]")
{
    const auto inst = load(host_config(4));
    const auto ref = inst->ref();
    REQUIRE(ref.on_enqueue(make_task(1, 2, 1)) == 0);
    REQUIRE(ref.on_enqueue(make_task(2, 3, 4)) == 0);
    const auto picked = pick_all(ref);
    REQUIRE(picked.size() == 2);
    CHECK(picked[0].cpu == 2);
    CHECK(picked[1].cpu == SCXD_CPU_ANY);
}

TEST_CASE("vruntime: thousands of tasks each come back exactly once", "[vruntime]")
{
    const auto inst = load(host_config(4));
    FakeBackend backend;
    scxd::LoopOptions options;
    options.nr_cpus = 4;
    scxd::Loop loop(backend, inst->ref(), options);

    backend.queue_pids(1, 5000);
    (void)loop.run_pass();
    // The loop caps the picks of one pass; the rest stay pending in the policy.
    CHECK(inst->ref().nr_pending() == 5000 - options.max_picks_per_pass);
    (void)loop.run_pass();
    CHECK(inst->ref().nr_pending() == 0);

    auto got = backend.dispatched_pids();
    std::sort(got.begin(), got.end());
    std::vector<std::int32_t> want(5000);
    for (std::size_t i = 0; i < want.size(); ++i)
        want[i] = static_cast<std::int32_t>(i + 1);
    CHECK(got == want);
    for (const auto &d : backend.dispatched())
        REQUIRE(d.cookie == scxd::test::cookie_of(d.pid));
    CHECK(loop.counters().policy_rejected == 0);
}

TEST_CASE("vruntime: a full pool refuses on_enqueue and no task is lost", "[vruntime]")
{
    const auto inst = load(host_config(4, 64)); // the smallest pool: 64 tasks
    const auto ref = inst->ref();
    SECTION("on_enqueue refuses the 65th task")
    {
        for (std::int32_t pid = 1; pid <= 64; ++pid)
            REQUIRE(ref.on_enqueue(make_task(pid)) == 0);
        CHECK(ref.on_enqueue(make_task(65)) != 0);
        CHECK(ref.nr_pending() == 64);
        scxd_decision d{};
        CHECK(ref.pick(d));
        CHECK(ref.on_enqueue(make_task(65)) == 0); // room again
        CHECK(pick_all(ref).size() == 64);
    }
    SECTION("through the loop")
    {
        FakeBackend backend;
        scxd::LoopOptions options;
        options.nr_cpus = 4;
        scxd::Loop loop(backend, ref, options);
        backend.queue_pids(1, 100);
        (void)loop.run_pass();
        auto got = backend.dispatched_pids();
        std::sort(got.begin(), got.end());
        REQUIRE(got.size() == 100);
        CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
        CHECK(got.front() == 1);
        CHECK(got.back() == 100);
        CHECK(loop.counters().policy_rejected == 36);
    }
}

TEST_CASE("vruntime: on_exit forgets a task", "[vruntime]")
{
    const auto inst = load();
    const auto ref = inst->ref();
    auto hog = make_task(7);
    (void)enqueue_one(ref, hog);
    hog = again(hog, 200 * ms);
    (void)enqueue_one(ref, hog);

    // The pid comes back as another task that has run longer than the old one did.
    const auto reborn = again(make_task(7), 300 * ms);
    const auto newcomer = again(make_task(8), 300 * ms);
    SECTION("with the exit notice: a new task like any other")
    {
        ref.on_exit(7);
        ref.on_exit(12345); // unknown pids are fine
        const auto vtime = enqueue_one(ref, reborn).vtime;
        CHECK(vtime == enqueue_one(ref, newcomer).vtime);
    }
    SECTION("without it: the old history is charged (a stale entry, nothing worse)")
    {
        const auto vtime = enqueue_one(ref, reborn).vtime;
        CHECK(vtime > enqueue_one(ref, newcomer).vtime);
    }
}

TEST_CASE("vruntime: history survives heavy churn of other pids", "[vruntime]")
{
    // max_tasks 64: a pid table of 128 slots, churned by 20000 pids that live 16 steps each.
    // 40 long-lived tasks arrive meanwhile, so some sit behind short-lived ones in their
    // probe runs: deleting those must not cut the long-lived ones off.
    const auto inst = load(host_config(1, 64));
    const auto ref = inst->ref();
    const bool with_exits = GENERATE(true, false);
    INFO("exit notices: " << with_exits);
    // Distinct, scattered pids (an odd multiplier permutes 0 .. 2^20-1), like a busy machine's.
    auto churn_pid = [](std::int32_t step) {
        return 1'000'000 + static_cast<std::int32_t>(
                               (static_cast<std::uint32_t>(step) * 2'654'435'761u) & 0xfffff);
    };
    std::vector<scxd_task> lived;
    for (std::int32_t step = 0; step < 20'000; ++step) {
        REQUIRE(ref.on_enqueue(make_task(churn_pid(step))) == 0);
        if (step % 10 == 0 && lived.size() < 40) {
            // A new long-lived task with a history of its own: k ms of CPU.
            const auto k = lived.size() + 1;
            auto t = make_task(static_cast<std::int32_t>(k) * 7919);
            REQUIRE(ref.on_enqueue(t) == 0);
            lived.push_back(again(t, k * ms));
        }
        if (step % 10 == 0) // seen now and then, as a live task is
            for (const auto &t : lived)
                REQUIRE(ref.on_enqueue(t) == 0);
        (void)pick_all(ref);
        if (with_exits && step >= 16)
            ref.on_exit(churn_pid(step - 16));
    }
    // Virtual time stayed at 0 (nothing ran before its last charge), so a task that kept its
    // history has vtime = its CPU time + its estimate (3/4 of 5 ms + 1/4 of that CPU time),
    // capped by the slice it gets.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < lived.size(); ++i) {
        const std::uint64_t ran = (i + 1) * ms;
        const auto d = enqueue_one(ref, lived[i]);
        kept += d.vtime == ran + std::min({5 * ms, 3750 * us + ran / 4, d.slice_ns});
    }
    if (with_exits)
        CHECK(kept == lived.size());
    else // stale entries crowd the table: a few live ones may start over, nothing worse
        CHECK(kept > lived.size() / 2);
}

TEST_CASE("vruntime: parameters are checked with one line naming the key", "[vruntime]")
{
    struct Case {
        const char *key;
        scxd::ParamValue value;
        const char *want;
    };
    const auto c = GENERATE(values<Case>({
        {"slice_us", std::int64_t{10}, "slice_us must be 50..1000000 us, got 10"},
        {"max_slice_us", std::int64_t{2'000'000},
         "max_slice_us must be 50..1000000 us, got 2000000"},
        {"min_slice_us", std::int64_t{30'000},
         "min_slice_us (30000) must not exceed max_slice_us (20000)"},
        {"sleeper_credit_us", std::int64_t{-1}, "sleeper_credit_us must be 0..1000000 us, got -1"},
        {"min_slice_us", std::string("500"), "min_slice_us must be an integer (us)"},
        {"requeue_max", std::int64_t{17}, "requeue_max must be 0..16, got 17"},
        {"requeue_wakeups", std::int64_t{2}, "requeue_wakeups must be 0..1, got 2"},
        {"wake_window_us", std::int64_t{1'000'001},
         "wake_window_us must be 0..1000000 us, got 1000001"},
        {"wakeup_granularity_us", std::int64_t{-5},
         "wakeup_granularity_us must be 0..1000000 us, got -5"},
    }));
    auto config = host_config();
    config.params[c.key] = c.value;
    CHECK_THAT(create_error(config), ContainsSubstring(c.want));
}

TEST_CASE("vruntime: absent parameters take their defaults", "[vruntime]")
{
    // slice_us defaults to the daemon's slice: a fresh task's deadline is 0 + that slice.
    const bool set = GENERATE(false, true);
    INFO((set ? "slice_us = 1500" : "slice_us absent"));
    auto config = host_config();
    config.default_slice_ns = 3 * ms;
    std::uint64_t slice = 3 * ms;
    if (set) {
        config.params["slice_us"] = std::int64_t{1500};
        slice = 1500 * us;
    }
    const auto inst = load(config);
    const auto d = enqueue_one(inst->ref(), make_task(1));
    CHECK(d.vtime == slice);
    CHECK(d.slice_ns == 20 * ms); // max_slice_us: one task on one CPU
}

TEST_CASE("vruntime: decisions let the kernel requeue a hog at its weight's pace", "[vruntime]")
{
    // vtime grows by CPU time * 100 / weight, in 16.16 fixed point: what on_enqueue would do.
    struct Case {
        std::int64_t param; // -1: absent (15)
        std::uint64_t weight;
        std::uint32_t scale;
        std::uint32_t max;
    };
    const auto c = GENERATE(values<Case>({
        {-1, 100, 65536, 15},
        {-1, 400, 16384, 15},
        {-1, 25, 262144, 15},
        {16, 100, 65536, 16},
        {0, 100, 0, 0},
    }));
    INFO("requeue_max " << c.param << ", weight " << c.weight);
    auto config = host_config();
    if (c.param >= 0)
        config.params["requeue_max"] = c.param;
    const auto inst = load(config);
    auto t = make_task(1);
    t.weight = c.weight;
    const auto d = enqueue_one(inst->ref(), t);
    CHECK(d.requeue_scale == c.scale);
    CHECK(d.requeue_max == c.max);
}

TEST_CASE("vruntime: decisions let the kernel place wakeups with the sleeper credit", "[vruntime]")
{
    // The credit (10 ms with one task) in vtime units: CPU time * 100 / weight.
    struct Case {
        std::int64_t wakeups;     // -1: absent (1)
        std::int64_t requeue_max; // -1: absent (15)
        std::uint64_t weight;
        std::uint32_t flags;
        std::uint64_t lag;
    };
    const auto c = GENERATE(values<Case>({
        {-1, -1, 100, SCXD_REQUEUE_WAKEUPS, 10 * ms},
        {-1, -1, 400, SCXD_REQUEUE_WAKEUPS, 10 * ms / 4},
        {1, 3, 25, SCXD_REQUEUE_WAKEUPS, 40 * ms},
        {0, -1, 100, 0, 0},
        {1, 0, 100, 0, 0}, // no budget: nothing to count wakeups against
    }));
    INFO("requeue_wakeups " << c.wakeups << ", requeue_max " << c.requeue_max << ", weight "
                            << c.weight);
    auto config = host_config();
    if (c.wakeups >= 0)
        config.params["requeue_wakeups"] = c.wakeups;
    if (c.requeue_max >= 0)
        config.params["requeue_max"] = c.requeue_max;
    const auto inst = load(config);
    auto t = make_task(1);
    t.weight = c.weight;
    const auto d = enqueue_one(inst->ref(), t);
    CHECK(d.requeue_flags == c.flags);
    CHECK(d.wake_lag == c.lag);
}

TEST_CASE("vruntime: decisions carry the wake window", "[vruntime]")
{
    struct Case {
        std::int64_t window_us; // -1: absent (20000)
        std::int64_t wakeups;   // -1: absent (1)
        std::uint64_t want_ns;
    };
    const auto c = GENERATE(values<Case>({
        {-1, -1, 20 * ms},
        {5000, -1, 5 * ms},
        {0, -1, 0},
        {5000, 0, 0}, // the kernel places no wakeups: no window for them either
    }));
    INFO("wake_window_us " << c.window_us << ", requeue_wakeups " << c.wakeups);
    auto config = host_config();
    if (c.window_us >= 0)
        config.params["wake_window_us"] = c.window_us;
    if (c.wakeups >= 0)
        config.params["requeue_wakeups"] = c.wakeups;
    const auto inst = load(config);
    const auto d = enqueue_one(inst->ref(), make_task(1));
    CHECK(d.wake_window_ns == c.want_ns);
}

TEST_CASE("vruntime: decisions carry the wakeup granularity at the task's weight", "[vruntime]")
{
    struct Case {
        std::int64_t gran_us; // -1: absent (1000)
        std::int64_t wakeups; // -1: absent (1)
        std::uint32_t weight;
        std::uint64_t want;
    };
    const auto c = GENERATE(values<Case>({
        {-1, -1, 100, 1 * ms},
        {-1, -1, 200, ms / 2}, // vtime at weight 200 grows half as fast
        {300, -1, 100, 300 * 1000},
        {0, -1, 100, 0},
        {-1, 0, 100, 0}, // the kernel places no wakeups: nothing to preempt with
    }));
    INFO("wakeup_granularity_us " << c.gran_us << ", weight " << c.weight);
    auto config = host_config();
    if (c.gran_us >= 0)
        config.params["wakeup_granularity_us"] = c.gran_us;
    if (c.wakeups >= 0)
        config.params["requeue_wakeups"] = c.wakeups;
    const auto inst = load(config);
    auto t = make_task(1);
    t.weight = c.weight;
    const auto d = enqueue_one(inst->ref(), t);
    CHECK(d.wake_preempt_gran == c.want);
}

TEST_CASE("vruntime: virtual time follows a hog the kernel requeued", "[vruntime]")
{
    // The hog ran 40 ms since its decision; the kernel requeued it meanwhile and it ran
    // `since` of that after its last requeue, so it reached the head of a queue at vruntime
    // 40 ms - since. A sleeper waking now is placed the 10 ms credit behind that.
    struct Case {
        std::uint64_t since;
        std::uint64_t sleeper_vtime;
    };
    const auto c = GENERATE(values<Case>({
        {40 * ms, 5 * ms},                     // no requeue: virtual time is still 0, its own vtime
        {10 * ms, 30 * ms - 10 * ms + 5 * ms}, // reached at 30 ms
    }));
    INFO("ran since placed " << c.since);
    const auto inst = load();
    const auto ref = inst->ref();
    auto hog = make_task(1);
    const auto sleeper = make_task(2);
    (void)enqueue_one(ref, hog);
    (void)enqueue_one(ref, sleeper);
    hog = again(hog, 40 * ms);
    hog.ran_since_placed_ns = c.since;
    (void)enqueue_one(ref, hog);
    CHECK(enqueue_one(ref, again(sleeper, 0, SCXD_TASK_WAKEUP)).vtime == c.sleeper_vtime);
}
