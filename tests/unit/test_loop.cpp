// The scheduling loop against a fake backend and small policies written against the ABI:
// what the loop promises the kernel (every task decided exactly once, sane decisions) and
// what it promises the policy (every task offered, refusals handled).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <numeric>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include "core/loop.hpp"
#include "fake_backend.hpp"

namespace {

using scxd::Loop;
using scxd::LoopOptions;
using scxd::PolicyRef;
using scxd::test::cookie_of;
using scxd::test::FakeBackend;
using scxd::test::make_task;

constexpr std::uint64_t default_slice = 3'000'000;

// A policy the test steers: it records every task it is offered, holds the ones it accepts
// in arrival order and returns them from pick, optionally rewritten.
struct ScriptedPolicy {
    std::vector<scxd_task> offered;
    std::deque<scxd_decision> held;
    std::function<bool(const scxd_task &)> refuse; // true: on_enqueue says "pool full"
    std::function<void(scxd_decision &)> rewrite;  // how the policy fills a decision
    bool hold_back = false;                        // pick returns nothing while set

    [[nodiscard]] PolicyRef ref();
};

int scripted_enqueue(void *ctx, const scxd_task *task)
{
    auto &p = *static_cast<ScriptedPolicy *>(ctx);
    p.offered.push_back(*task);
    if (p.refuse && p.refuse(*task))
        return -1;
    scxd_decision d = scxd_decision_for(task, SCXD_CPU_ANY);
    if (p.rewrite)
        p.rewrite(d);
    p.held.push_back(d);
    return 0;
}

int scripted_pick(void *ctx, scxd_decision *out)
{
    auto &p = *static_cast<ScriptedPolicy *>(ctx);
    if (p.hold_back || p.held.empty())
        return 0;
    *out = p.held.front();
    p.held.pop_front();
    return 1;
}

std::uint64_t scripted_nr_pending(void *ctx)
{
    const auto &p = *static_cast<ScriptedPolicy *>(ctx);
    return p.hold_back ? p.held.size() : 0;
}

const scxd_policy_ops scripted_ops = {
    sizeof(scxd_policy_ops), 0,       scripted_enqueue, scripted_pick, nullptr,
    scripted_nr_pending,     nullptr,
};

PolicyRef ScriptedPolicy::ref() { return PolicyRef(&scripted_ops, this, "scripted"); }

LoopOptions options(std::uint32_t nr_cpus = 4)
{
    LoopOptions o;
    o.nr_cpus = nr_cpus;
    o.default_slice_ns = default_slice;
    return o;
}

std::vector<std::int32_t> iota_pids(std::int32_t first, std::int32_t last)
{
    std::vector<std::int32_t> v(static_cast<std::size_t>(last - first + 1));
    std::iota(v.begin(), v.end(), first);
    return v;
}

std::vector<std::int32_t> sorted(std::vector<std::int32_t> v)
{
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

TEST_CASE("every drained task reaches the policy and comes back as exactly one decision", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 100);
    const auto r = loop.run_pass();

    CHECK(r.drained == 100);
    CHECK(r.dispatched == 100);
    REQUIRE(policy.offered.size() == 100);
    CHECK(backend.dispatched_pids() == iota_pids(1, 100));
    for (const auto &d : backend.dispatched())
        CHECK(d.cookie == cookie_of(d.pid));
    CHECK(loop.counters().scheduled == 100);

    SECTION("later passes only carry what was queued since")
    {
        backend.queue_pids(101, 110);
        CHECK(loop.run_pass().dispatched == 10);
        CHECK(loop.run_pass().dispatched == 0);
        CHECK(backend.dispatched_pids() == iota_pids(1, 110));
        CHECK(loop.counters().loop_passes == 3);
    }
}

TEST_CASE("after a pass the daemon yields only when it must be back at the next slice end",
          "[loop]")
{
    using scxd::after_pass;
    using scxd::AfterPass;
    using scxd::PassResult;
    CHECK(after_pass(PassResult{0, 0, 0, 0}, 0) == AfterPass::block); // nothing came
    CHECK(after_pass(PassResult{3, 3, 0, 0}, 0) == AfterPass::block); // woken tasks only
    CHECK(after_pass(PassResult{3, 3, 1, 0}, 0) == AfterPass::yield); // a slice ended
    CHECK(after_pass(PassResult{3, 3, 1, 3}, 0) == AfterPass::block); // BPF has the next one
    CHECK(after_pass(PassResult{3, 3, 1, 2}, 0) == AfterPass::yield); // one without
    CHECK(after_pass(PassResult{0, 2, 0, 0}, 1) == AfterPass::yield); // the policy holds some
    CHECK(after_pass(PassResult{2, 0, 0, 0}, 0) == AfterPass::again); // read, nothing picked
    CHECK(after_pass(PassResult{0, 0, 0, 0}, 5) == AfterPass::yield);
}

TEST_CASE("the task handed to on_enqueue is the task the backend queued", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    auto t = make_task(42, 3, 1);
    t.flags = SCXD_TASK_WAKEUP;
    t.sum_exec_runtime = 123456;
    backend.queue(t);
    (void)loop.run_pass();

    REQUIRE(policy.offered.size() == 1);
    const auto &seen = policy.offered.front();
    CHECK(seen.pid == 42);
    CHECK(seen.prev_cpu == 3);
    CHECK(seen.nr_cpus_allowed == 1);
    CHECK(seen.flags == SCXD_TASK_WAKEUP);
    CHECK(seen.sum_exec_runtime == 123456);
    CHECK(seen.cookie == cookie_of(42));
}

TEST_CASE("slice 0 becomes the default slice, a policy's own slice is kept", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.rewrite = [](scxd_decision &d) { d.slice_ns = d.pid % 2 ? 777 : 0; };
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 4);
    (void)loop.run_pass();

    REQUIRE(backend.dispatched().size() == 4);
    for (const auto &d : backend.dispatched())
        CHECK(d.slice_ns == (d.pid % 2 ? 777 : default_slice));
}

TEST_CASE("vtime 0 becomes an increasing sequence, a policy's own vtime is kept", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    SECTION("across passes")
    {
        backend.queue_pids(1, 5);
        (void)loop.run_pass();
        backend.queue_pids(6, 10);
        (void)loop.run_pass();

        const auto &ds = backend.dispatched();
        REQUIRE(ds.size() == 10);
        CHECK(ds.front().vtime > 0);
        for (std::size_t i = 1; i < ds.size(); ++i)
            CHECK(ds[i].vtime > ds[i - 1].vtime);
    }
    SECTION("explicit vtime")
    {
        policy.rewrite = [](scxd_decision &d) { d.vtime = d.pid == 2 ? 42 : 0; };
        backend.queue_pids(1, 3);
        (void)loop.run_pass();

        const auto &ds = backend.dispatched();
        REQUIRE(ds.size() == 3);
        CHECK(ds[1].vtime == 42);
        CHECK(ds[0].vtime > 0);
        CHECK(ds[2].vtime > ds[0].vtime);
    }
}

TEST_CASE("a cpu outside [0, nr_cpus) becomes SCXD_CPU_ANY", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    // pid i asks for cpus[i - 1]; nr_cpus is 4.
    const std::vector<std::int32_t> cpus = {SCXD_CPU_ANY, 0, 3, 4, -2, 1000, INT32_MIN, INT32_MAX};
    const std::vector<std::int32_t> want = {
        SCXD_CPU_ANY, 0, 3, SCXD_CPU_ANY, SCXD_CPU_ANY, SCXD_CPU_ANY, SCXD_CPU_ANY, SCXD_CPU_ANY};
    policy.rewrite = [&](scxd_decision &d) { d.cpu = cpus[static_cast<std::size_t>(d.pid - 1)]; };
    Loop loop(backend, policy.ref(), options(4));

    backend.queue_pids(1, static_cast<std::int32_t>(cpus.size()));
    (void)loop.run_pass();

    std::vector<std::int32_t> got;
    for (const auto &d : backend.dispatched())
        got.push_back(d.cpu);
    CHECK(got == want);
    CHECK(loop.counters().invalid_decisions == 0);
}

TEST_CASE("a decision with pid <= 0 is dropped and counted", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.rewrite = [](scxd_decision &d) {
        if (d.pid == 2)
            d.pid = 0;
        if (d.pid == 4)
            d.pid = -4;
    };
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 5);
    const auto r = loop.run_pass();

    CHECK(backend.dispatched_pids() == std::vector<std::int32_t>{1, 3, 5});
    CHECK(r.dispatched == 3);
    const auto c = loop.counters();
    CHECK(c.invalid_decisions == 2);
    CHECK(c.scheduled == 5); // every pick counts, valid or not
}

TEST_CASE("a task on_enqueue refuses is still dispatched, on any CPU", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.refuse = [](const scxd_task &t) { return t.pid % 3 == 0; };
    policy.rewrite = [](scxd_decision &d) { d.cpu = 1; };
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 9);
    (void)loop.run_pass();

    CHECK(sorted(backend.dispatched_pids()) == iota_pids(1, 9));
    for (const auto &d : backend.dispatched()) {
        CHECK(d.cookie == cookie_of(d.pid));
        CHECK(d.slice_ns == default_slice);
        CHECK(d.vtime > 0);
        CHECK(d.cpu == (d.pid % 3 == 0 ? SCXD_CPU_ANY : 1));
    }
    const auto c = loop.counters();
    CHECK(c.policy_rejected == 3);
    CHECK(c.scheduled == 6); // only what the policy itself returned
}

TEST_CASE("a full ring carries the decision over and sends it first next pass", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 5);
    backend.fill_ring(1);
    const auto first = loop.run_pass();
    CHECK(first.dispatched == 0);
    CHECK(backend.dispatched().empty());
    CHECK(loop.counters().ring_full == 1);

    SECTION("the ring drained")
    {
        backend.queue_pids(6, 7);
        const auto second = loop.run_pass();
        CHECK(second.dispatched == 7);
        CHECK(backend.dispatched_pids() == iota_pids(1, 7));
    }
    SECTION("the ring is still full on the next pass")
    {
        backend.queue_pids(6, 7); // arrive while the pass cannot send anything
        backend.fill_ring(1);
        CHECK(loop.run_pass().dispatched == 0);
        CHECK(loop.counters().ring_full == 2);
        CHECK(loop.run_pass().dispatched == 7);
        CHECK(backend.dispatched_pids() == iota_pids(1, 7));
    }
}

TEST_CASE("a ring that fills mid-pass loses nothing and keeps the order", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 10);
    backend.fill_ring(1, 3); // takes 1 .. 3, then refuses 4 once
    CHECK(loop.run_pass().dispatched == 3);
    CHECK(loop.run_pass().dispatched == 7);

    CHECK(backend.dispatched_pids() == iota_pids(1, 10));
    CHECK(loop.counters().ring_full == 1);
    // vtime follows the order the policy picked them, so the kernel keeps it too.
    const auto &ds = backend.dispatched();
    for (std::size_t i = 1; i < ds.size(); ++i)
        CHECK(ds[i].vtime > ds[i - 1].vtime);
}

TEST_CASE("run() reports a carried decision as pending and yields instead of sleeping", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());
    std::atomic<bool> stop{false};
    backend.on_wait = [&](std::size_t n) { stop = n >= 2; };

    backend.queue_pids(1, 3);
    backend.fill_ring(1);
    CHECK_FALSE(loop.run(stop).has_value());

    REQUIRE(backend.pending_reports().size() == 2);
    CHECK(backend.pending_reports()[0] == 1); // the carried decision
    CHECK(backend.pending_reports()[1] == 0);
    REQUIRE(backend.waits().size() == 2);
    CHECK(backend.waits()[0].have_pending);
    CHECK(backend.waits()[0].timeout.count() == 0);
    CHECK(backend.dispatched_pids() == iota_pids(1, 3));
}

// Regression: the loop once kept a single carried decision, so a second refused task in the
// same drain overwrote the first.
TEST_CASE("a full ring while refused tasks arrive loses nothing", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.refuse = [](const scxd_task &) { return true; };
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 3);
    backend.fill_ring(3);
    for (int i = 0; i < 5; ++i)
        (void)loop.run_pass();

    CHECK(sorted(backend.dispatched_pids()) == iota_pids(1, 3));
}

TEST_CASE("max_picks_per_pass bounds one pass; the rest follow", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    auto o = options();
    o.max_picks_per_pass = 4;
    Loop loop(backend, policy.ref(), o);

    backend.queue_pids(1, 10);
    CHECK(loop.run_pass().dispatched == 4);
    CHECK(loop.run_pass().dispatched == 4);
    CHECK(loop.run_pass().dispatched == 2);
    CHECK(backend.dispatched_pids() == iota_pids(1, 10));
}

TEST_CASE("tasks a policy holds back are reported as pending until it picks them", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.hold_back = true;
    Loop loop(backend, policy.ref(), options());
    std::atomic<bool> stop{false};
    backend.on_wait = [&](std::size_t n) {
        policy.hold_back = n < 2; // release after the second pass
        stop = n >= 3;
    };

    backend.queue_pids(1, 4);
    CHECK_FALSE(loop.run(stop).has_value());

    CHECK(backend.pending_reports() == std::vector<std::uint64_t>{4, 4, 0});
    REQUIRE(backend.waits().size() == 3);
    CHECK(backend.waits()[0].have_pending);
    CHECK(backend.dispatched_pids() == iota_pids(1, 4));
}

TEST_CASE("run() returns the backend's ExitInfo when it appears", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());
    std::atomic<bool> stop{false};
    const auto ejected = scxd::test::make_exit(1026, "watchdog", "task stalled");

    SECTION("after some passes")
    {
        backend.queue_pids(1, 3);
        backend.on_wait = [&](std::size_t n) {
            if (n == 3)
                backend.set_exit(ejected);
        };
        const auto info = loop.run(stop);
        REQUIRE(info.has_value());
        CHECK(info->kind == 1026);
        CHECK(info->reason == "watchdog");
        CHECK(info->message == "task stalled");
        CHECK(backend.waits().size() == 3);
        CHECK(backend.dispatched_pids() == iota_pids(1, 3));
    }
    SECTION("before the first pass: nothing is drained")
    {
        backend.queue_pids(1, 3);
        backend.set_exit(ejected);
        const auto info = loop.run(stop);
        REQUIRE(info.has_value());
        CHECK(info->kind == 1026);
        CHECK(backend.drains() == 0);
    }
}

TEST_CASE("run() returns nullopt when the stop flag is set", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());
    std::atomic<bool> stop{false};

    SECTION("already set: no pass at all")
    {
        stop = true;
        CHECK_FALSE(loop.run(stop).has_value());
        CHECK(backend.drains() == 0);
        CHECK(loop.counters().loop_passes == 0);
    }
    SECTION("set while idle: idle passes sleep with the configured timeout")
    {
        backend.on_wait = [&](std::size_t n) { stop = n >= 5; };
        CHECK_FALSE(loop.run(stop).has_value());
        CHECK(loop.counters().loop_passes == 5);
        REQUIRE(backend.waits().size() == 5);
        for (const auto &w : backend.waits()) {
            CHECK_FALSE(w.have_pending);
            CHECK(w.timeout == options().idle_wait);
        }
    }
}

TEST_CASE("run() calls the periodic hook between passes, not per task", "[loop]")
{
    struct Seen {
        int calls = 0;
        std::uint64_t passes_at_last_call = 0;
    } seen;
    FakeBackend backend;
    ScriptedPolicy policy;
    auto o = options();
    o.periodic.fn = [](void *ctx, Loop &loop) {
        auto &s = *static_cast<Seen *>(ctx);
        ++s.calls;
        s.passes_at_last_call = loop.counters().loop_passes;
    };
    o.periodic.ctx = &seen;
    std::atomic<bool> stop{false};
    backend.on_wait = [&](std::size_t n) { stop = n >= 3; };
    backend.queue_pids(1, 50);

    SECTION("interval 0: before every pass")
    {
        o.periodic.interval = std::chrono::milliseconds{0};
        Loop loop(backend, policy.ref(), o);
        CHECK_FALSE(loop.run(stop).has_value());
        CHECK(seen.calls == 3);
        CHECK(seen.passes_at_last_call == 2);
    }
    SECTION("a long interval: not before it has passed")
    {
        o.periodic.interval = std::chrono::hours{1};
        Loop loop(backend, policy.ref(), o);
        CHECK_FALSE(loop.run(stop).has_value());
        CHECK(seen.calls == 0);
    }
    CHECK(backend.dispatched().size() == 50);
}

TEST_CASE("counters() merges the backend's kernel counters with the loop's own", "[loop]")
{
    FakeBackend backend;
    backend.kernel_counters.queued = 11;
    backend.kernel_counters.user_dispatches = 7;
    backend.kernel_counters.scheduled = 999; // daemon-side: the loop's value wins
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 2);
    (void)loop.run_pass();

    const auto c = loop.counters();
    CHECK(c.queued == 11);
    CHECK(c.user_dispatches == 7);
    CHECK(c.scheduled == 2);
    CHECK(c.loop_passes == 1);
}

namespace {

// An ABI 1.0 plugin compiled against a header whose ops table ended at `pick`: whatever lies
// past struct_size is not part of its table and must never be called.
bool g_called_past_end = false;

std::uint64_t trap_nr_pending(void * /*ctx*/)
{
    g_called_past_end = true;
    return 1'000;
}

void trap_on_exit(void * /*ctx*/, std::int32_t /*pid*/) { g_called_past_end = true; }

const scxd_policy_ops short_ops = {
    offsetof(scxd_policy_ops, pick) + sizeof(void *),
    0,
    scripted_enqueue,
    scripted_pick,
    trap_on_exit,
    trap_nr_pending,
    nullptr,
};

} // namespace

TEST_CASE("optional callbacks past the plugin's struct_size are never called", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    const PolicyRef ref(&short_ops, &policy, "short");
    Loop loop(backend, ref, options());
    std::atomic<bool> stop{false};
    backend.on_wait = [&](std::size_t n) { stop = n >= 2; };
    g_called_past_end = false;

    backend.queue_pids(1, 2);
    CHECK_FALSE(loop.run(stop).has_value());
    ref.on_exit(1);

    CHECK_FALSE(g_called_past_end);
    CHECK(ref.nr_pending() == 0);
    CHECK(backend.pending_reports() == std::vector<std::uint64_t>{0, 0});
    CHECK(backend.dispatched_pids() == iota_pids(1, 2));
}

TEST_CASE("a decision for a pid the policy does not hold is dropped and counted", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    Loop loop(backend, policy.ref(), options());

    backend.queue_pids(1, 2);
    policy.hold_back = true;
    (void)loop.run_pass();
    // The policy returns task 1 twice and invents pid 99.
    policy.held.push_back(policy.held.front());
    policy.held.push_back([] {
        scxd_decision d{};
        d.pid = 99;
        d.cpu = SCXD_CPU_ANY;
        return d;
    }());
    policy.hold_back = false;
    (void)loop.run_pass();

    CHECK(sorted(backend.dispatched_pids()) == iota_pids(1, 2));
    CHECK(loop.counters().invalid_decisions == 2);
    CHECK(loop.held() == 0);
}

TEST_CASE("a stale cookie from the policy is replaced by the latest enqueue's", "[loop]")
{
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.rewrite = [](scxd_decision &d) { d.cookie = 12345; };
    Loop loop(backend, policy.ref(), options());

    backend.queue(scxd::test::make_task(7));
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 1);
    CHECK(backend.dispatched()[0].cookie == cookie_of(7));
}

TEST_CASE("swap_policy hands every held task to the new policy", "[loop][swap]")
{
    FakeBackend backend;
    ScriptedPolicy old_policy;
    old_policy.hold_back = true;
    Loop loop(backend, old_policy.ref(), options());
    backend.queue_pids(1, 50);
    (void)loop.run_pass();
    REQUIRE(loop.held() == 50);
    REQUIRE(backend.dispatched().empty());

    ScriptedPolicy next;
    loop.swap_policy(next.ref());
    CHECK(next.offered.size() == 50);
    (void)loop.run_pass();
    CHECK(sorted(backend.dispatched_pids()) == iota_pids(1, 50));
    CHECK(loop.held() == 0);
    CHECK(loop.policy().name() == "scripted");
}

TEST_CASE("swap_policy: tasks the new policy refuses still run", "[loop][swap]")
{
    FakeBackend backend;
    ScriptedPolicy old_policy;
    old_policy.hold_back = true;
    Loop loop(backend, old_policy.ref(), options());
    backend.queue_pids(1, 10);
    (void)loop.run_pass();

    ScriptedPolicy next;
    next.refuse = [](const scxd_task &t) { return t.pid % 2 == 0; };
    loop.swap_policy(next.ref());
    (void)loop.run_pass();
    CHECK(sorted(backend.dispatched_pids()) == iota_pids(1, 10));
    CHECK(loop.counters().policy_rejected == 5);
}

TEST_CASE("swap_policy: the new policy's vtimes come after every one sent before", "[loop][swap]")
{
    // A vruntime clock far along, then a FIFO (or a fresh clock from 0): without the shift
    // the tasks the old policy queued would wait behind every new decision.
    FakeBackend backend;
    ScriptedPolicy old_policy;
    old_policy.rewrite = [](scxd_decision &d) { d.vtime = 10'000'000'000ULL + d.pid; };
    Loop loop(backend, old_policy.ref(), options());
    backend.queue_pids(1, 5);
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 5);
    const std::uint64_t old_max = backend.dispatched().back().vtime;

    ScriptedPolicy fifo;
    loop.swap_policy(fifo.ref());
    backend.queue_pids(6, 10);
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 10);
    std::uint64_t prev = old_max;
    for (std::size_t i = 5; i < 10; ++i) {
        const std::uint64_t v = backend.dispatched()[i].vtime;
        CHECK(static_cast<std::int64_t>(v - prev) > 0); // after the old ones, still FIFO
        prev = v;
    }

    ScriptedPolicy fresh_clock;
    fresh_clock.rewrite = [](scxd_decision &d) { d.vtime = 1 + d.pid; };
    loop.swap_policy(fresh_clock.ref());
    backend.queue_pids(11, 12);
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 12);
    CHECK(static_cast<std::int64_t>(backend.dispatched()[10].vtime - prev) > 0);
    CHECK(backend.dispatched()[11].vtime - backend.dispatched()[10].vtime == 1);
}

TEST_CASE("requeue settings reach the kernel capped, and only with a scale", "[loop]")
{
    struct Case {
        std::uint32_t scale, max, want_scale, want_max;
    };
    const auto c = GENERATE(Catch::Generators::values<Case>({
        {65536, 3, 65536, 3},
        {65536, 1000, 65536, SCXD_REQUEUE_MAX},
        {0, 5, 0, 0},
        {65536, 0, 0, 0}, // neither: a scale alone would arm nothing
    }));
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.rewrite = [&](scxd_decision &d) {
        d.requeue_scale = c.scale;
        d.requeue_max = c.max;
    };
    Loop loop(backend, policy.ref(), options());
    backend.queue(scxd::test::make_task(7));
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 1);
    CHECK(backend.dispatched()[0].requeue_scale == c.want_scale);
    CHECK(backend.dispatched()[0].requeue_max == c.want_max);
}

TEST_CASE("wakeup settings reach the kernel only with a requeue budget", "[loop]")
{
    constexpr std::uint64_t cap = SCXD_WAKE_WINDOW_MAX_NS;
    struct Case {
        std::uint32_t max, flags;
        std::uint64_t lag, window;
        std::uint32_t want_flags;
        std::uint64_t want_lag, want_window, want_gran;
    };
    const auto c = GENERATE(Catch::Generators::values<Case>({
        {3, SCXD_REQUEUE_WAKEUPS, 5000, 7000, SCXD_REQUEUE_WAKEUPS, 5000, 7000, 900},
        {3, SCXD_REQUEUE_WAKEUPS | 0x80u, 5000, 0, SCXD_REQUEUE_WAKEUPS, 5000, 0, 900}, // bit
        {3, SCXD_REQUEUE_WAKEUPS, 5000, cap + 1, SCXD_REQUEUE_WAKEUPS, 5000, cap, 900}, // cap
        {0, SCXD_REQUEUE_WAKEUPS, 5000, 7000, 0, 0, 0, 0}, // nothing to count wakeups against
        {3, 0, 5000, 7000, 0, 0, 0, 0}, // a lag, window or granularity alone means nothing
    }));
    FakeBackend backend;
    ScriptedPolicy policy;
    policy.rewrite = [&](scxd_decision &d) {
        d.requeue_scale = 65536;
        d.requeue_max = c.max;
        d.requeue_flags = c.flags;
        d.reserved0 = 42;
        d.wake_lag = c.lag;
        d.wake_window_ns = c.window;
        d.wake_preempt_gran = 900;
    };
    Loop loop(backend, policy.ref(), options());
    backend.queue(scxd::test::make_task(7));
    (void)loop.run_pass();
    REQUIRE(backend.dispatched().size() == 1);
    CHECK(backend.dispatched()[0].requeue_flags == c.want_flags);
    CHECK(backend.dispatched()[0].wake_lag == c.want_lag);
    CHECK(backend.dispatched()[0].wake_window_ns == c.want_window);
    CHECK(backend.dispatched()[0].wake_preempt_gran == c.want_gran);
    CHECK(backend.dispatched()[0].reserved0 == 0);
}

namespace {
// A plugin built for a later minor: it writes a decision as long as the header allows.
int longer_pick(void *ctx, scxd_decision *out)
{
    auto &left = *static_cast<int *>(ctx);
    if (left == 0)
        return 0;
    --left;
    std::memset(static_cast<void *>(out), 0x5a, SCXD_DECISION_ROOM);
    out->pid = 7;
    out->cpu = SCXD_CPU_ANY;
    return 1;
}
} // namespace

TEST_CASE("pick may write SCXD_DECISION_ROOM bytes; members we do not know are ignored", "[loop]")
{
    int left = 1;
    const scxd_policy_ops ops = {
        sizeof(scxd_policy_ops), 0, scripted_enqueue, longer_pick, nullptr, nullptr, nullptr};
    const PolicyRef ref(&ops, &left, "longer");
    scxd_decision d{};
    REQUIRE(ref.pick(d));
    CHECK(d.pid == 7);
    CHECK(d.requeue_max == 0x5a5a5a5au); // it is ABI 1.1's member: taken as written
    CHECK_FALSE(ref.pick(d));
}
