// Misbehaving policies (tests/fixtures/misbehave.h) through the real loop and the fake backend:
// whatever a policy does, every queued task is dispatched exactly once or is still held, and the
// counters say what went wrong. The spinning and the crashing policy take the process down by
// design, so they run in a forked child.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/loop.hpp"
#include "core/watchdog.hpp"
#include "fake_backend.hpp"
#include "plugin/plugin.hpp"
#include "sys/fatal.hpp"

#ifndef SCXD_TEST_FIXTURE_DIR
#error "tests/meson.build passes the directory of the fixture plugins as SCXD_TEST_FIXTURE_DIR"
#endif

namespace {

using Catch::Matchers::ContainsSubstring;
using scxd::Loop;
using scxd::LoopOptions;
using scxd::test::FakeBackend;

constexpr std::int32_t nr_tasks = 50;
constexpr std::uint32_t nr_cpus = 4;

std::filesystem::path fixture(const std::string &name)
{
    return std::filesystem::path(SCXD_TEST_FIXTURE_DIR) / (name + ".so");
}

// A fixture plugin, created as `scxd run` would create it.
struct Loaded {
    std::unique_ptr<scxd::PolicyInstance> instance;

    explicit Loaded(const std::string &name)
    {
        auto plugin = scxd::Plugin::open(fixture(name));
        INFO((plugin ? "" : plugin.error().message));
        REQUIRE(plugin.ok());
        scxd::HostConfig host;
        host.nr_cpus = nr_cpus;
        host.max_tasks = 256;
        auto inst = scxd::PolicyInstance::create(*plugin, host);
        INFO((inst ? "" : inst.error().message));
        REQUIRE(inst.ok());
        instance = std::move(*inst);
    }
    [[nodiscard]] scxd::PolicyRef ref() const { return instance->ref(); }
};

// The deadline's clock, moved by hand.
std::atomic<std::int64_t> g_now_ms{0};
std::chrono::steady_clock::time_point fake_now()
{
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(g_now_ms.load()));
}

LoopOptions options()
{
    LoopOptions o;
    o.nr_cpus = nr_cpus;
    o.max_tasks = 256;
    o.now = &fake_now;
    return o;
}

// Passes until one sends nothing and drains nothing.
void settle(Loop &loop)
{
    for (int i = 0; i < 100; ++i) {
        const auto r = loop.run_pass();
        if (r.dispatched == 0 && r.drained == 0)
            return;
    }
    FAIL("the loop never settled");
}

// Nothing lost, nothing doubled: each pid 1..nr_tasks was dispatched once or is still held.
void check_exactly_once(const FakeBackend &backend, const Loop &loop)
{
    auto pids = backend.dispatched_pids();
    std::sort(pids.begin(), pids.end());
    CHECK(std::adjacent_find(pids.begin(), pids.end()) == pids.end());
    CHECK(pids.size() + loop.held() == static_cast<std::size_t>(nr_tasks));
    for (const auto pid : pids) {
        CHECK(pid >= 1);
        CHECK(pid <= nr_tasks);
    }
    for (const auto &d : backend.dispatched())
        CHECK(d.cookie == scxd::test::cookie_of(d.pid));
}

} // namespace

TEST_CASE("misbehave: unknown pids are dropped and counted, the real tasks still run",
          "[misbehave]")
{
    Loaded policy("bad_pid");
    FakeBackend backend;
    Loop loop(backend, policy.ref(), options());
    backend.queue_pids(1, nr_tasks);
    settle(loop);

    check_exactly_once(backend, loop);
    CHECK(loop.held() == 0);
    CHECK(loop.counters().invalid_decisions == static_cast<std::uint64_t>(nr_tasks));
}

TEST_CASE("misbehave: a CPU out of range runs the task on any CPU, counted", "[misbehave]")
{
    Loaded policy("bad_cpu");
    FakeBackend backend;
    Loop loop(backend, policy.ref(), options());
    backend.queue_pids(1, nr_tasks);
    settle(loop);

    check_exactly_once(backend, loop);
    CHECK(loop.held() == 0);
    for (const auto &d : backend.dispatched())
        CHECK(d.cpu == SCXD_CPU_ANY);
    const auto c = loop.counters();
    CHECK(c.invalid_cpus == static_cast<std::uint64_t>(nr_tasks));
    CHECK(c.invalid_decisions == 0);
}

TEST_CASE("misbehave: the same task twice is dispatched once", "[misbehave]")
{
    Loaded policy("twice");
    FakeBackend backend;
    Loop loop(backend, policy.ref(), options());
    backend.queue_pids(1, nr_tasks);
    settle(loop);

    check_exactly_once(backend, loop);
    CHECK(loop.held() == 0);
    const auto c = loop.counters();
    CHECK(c.scheduled == 2 * static_cast<std::uint64_t>(nr_tasks));
    CHECK(c.invalid_decisions == static_cast<std::uint64_t>(nr_tasks));
}

TEST_CASE("misbehave: a policy that never returns a task is replaced at its deadline",
          "[misbehave]")
{
    Loaded policy("hoard");
    FakeBackend backend;
    auto o = options();
    struct Seen {
        int calls = 0;
        std::string policy;
        std::chrono::milliseconds held{0};
    } seen;
    o.on_fallback = [](void *ctx, std::string_view from, std::chrono::milliseconds held) {
        auto &s = *static_cast<Seen *>(ctx);
        ++s.calls;
        s.policy = from;
        s.held = held;
    };
    o.fallback_ctx = &seen;
    g_now_ms = 1'000'000;

    SECTION("without a deadline it keeps them, and the loop keeps track of them")
    {
        Loop loop(backend, policy.ref(), o);
        backend.queue_pids(1, nr_tasks);
        settle(loop);
        g_now_ms += 60'000;
        settle(loop);
        check_exactly_once(backend, loop);
        CHECK(loop.held() == static_cast<std::size_t>(nr_tasks));
        CHECK(loop.counters().policy_fallbacks == 0);
    }
    SECTION("with one, the built-in FIFO takes every held task over, once")
    {
        o.policy_deadline = std::chrono::milliseconds(2000);
        Loop loop(backend, policy.ref(), o);
        backend.queue_pids(1, nr_tasks / 2);
        settle(loop);
        g_now_ms += 1500;
        backend.queue_pids(nr_tasks / 2 + 1,
                           nr_tasks); // younger: not past the deadline
        settle(loop);
        g_now_ms += 499; // the oldest are 1999 ms old
        settle(loop);
        CHECK(backend.dispatched().empty());
        CHECK(seen.calls == 0);

        g_now_ms += 2; // past the deadline, but the next scan is due only deadline
                       // / 8 later
        settle(loop);
        CHECK(backend.dispatched().empty());
        g_now_ms += 250;
        settle(loop);
        check_exactly_once(backend, loop);
        CHECK(loop.held() == 0);
        CHECK(backend.dispatched().size() == static_cast<std::size_t>(nr_tasks));
        CHECK(loop.policy().name() == scxd::FallbackFifo::name);
        CHECK(loop.counters().policy_fallbacks == 1);
        CHECK(seen.calls == 1);
        CHECK(seen.policy == "hoard");
        CHECK(seen.held >= std::chrono::milliseconds(2000));

        // New tasks go through the fallback; it never falls back again.
        backend.queue(scxd::test::make_task(nr_tasks + 1));
        g_now_ms += 60'000;
        settle(loop);
        CHECK(backend.dispatched().size() == static_cast<std::size_t>(nr_tasks) + 1);
        CHECK(loop.counters().policy_fallbacks == 1);
        CHECK(seen.calls == 1);
    }
}

namespace {

struct ChildResult {
    int status = 0;
    std::string stderr_text;
};

// Run `body` in a forked child with its stderr captured; the child must not return from it.
template <typename F> ChildResult in_child(F &&body)
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::dup2(fds[1], STDERR_FILENO);
        const rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE,
                    &no_core); // a crash on purpose leaves no core file
        try {
            body();
        } catch (...) { // a failed REQUIRE must not run the rest of the suite in
                        // the child
            ::_exit(98);
        }
        ::_exit(99); // the body was supposed to end the process
    }
    ::close(fds[1]);
    ChildResult r;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        r.stderr_text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    REQUIRE(::waitpid(pid, &r.status, 0) == pid);
    return r;
}

} // namespace

TEST_CASE("misbehave: a policy spinning in pick ends the daemon through the watchdog",
          "[misbehave]")
{
    const auto r = in_child([] {
        Loaded policy("spin_pick");
        FakeBackend backend;
        scxd::Watchdog watchdog(std::chrono::milliseconds(500), &scxd::exit_stuck, nullptr);
        auto o = options();
        o.progress = &watchdog.progress();
        scxd::set_fatal_policy("spin-pick", fixture("spin_pick").string());
        Loop loop(backend, policy.ref(), o);
        backend.queue_pids(1, 3);
        (void)loop.run_pass(); // never returns
    });
    INFO("child stderr: " << r.stderr_text);
    REQUIRE(WIFEXITED(r.status));
    CHECK(WEXITSTATUS(r.status) == scxd::exit_policy_stuck);
    CHECK_THAT(r.stderr_text, ContainsSubstring("made no progress"));
    CHECK_THAT(r.stderr_text,
               ContainsSubstring("policy spin-pick (" + fixture("spin_pick").string()));
    CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
}

TEST_CASE("misbehave: a policy crashing in on_enqueue gets one line naming it, then the signal",
          "[misbehave]")
{
    const auto r = in_child([] {
        Loaded policy("crash_enqueue");
        FakeBackend backend;
        scxd::install_crash_handler();
        scxd::set_fatal_policy("crash-enqueue", fixture("crash_enqueue").string());
        Loop loop(backend, policy.ref(), options());
        backend.queue_pids(1, 3);
        (void)loop.run_pass(); // dies in on_enqueue
    });
    INFO("child stderr: " << r.stderr_text << ", wait status " << r.status);
    REQUIRE(WIFSIGNALED(r.status));
    CHECK(WTERMSIG(r.status) == SIGSEGV);
    CHECK_THAT(r.stderr_text, ContainsSubstring("SIGSEGV"));
    CHECK_THAT(r.stderr_text,
               ContainsSubstring("policy crash-enqueue (" + fixture("crash_enqueue").string()));
    CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);
}

TEST_CASE("watchdog: no progress for the deadline calls the action once", "[misbehave]")
{
    struct Fired {
        std::atomic<int> calls{0};
        std::atomic<std::int64_t> stalled_ms{0};
    } fired;
    {
        scxd::Watchdog watchdog(
            std::chrono::milliseconds(40),
            [](void *ctx, std::chrono::milliseconds stalled) {
                auto &f = *static_cast<Fired *>(ctx);
                f.stalled_ms = stalled.count();
                f.calls.fetch_add(1);
                f.calls.notify_all();
            },
            &fired);
        fired.calls.wait(0); // blocks until it fires: nothing ever bumps progress
    }                        // joins: the thread returned after its one call
    CHECK(fired.calls == 1);
    CHECK(fired.stalled_ms >= 40);
}
