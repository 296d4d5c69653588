// The real FIFO plugin from the build tree, loaded as the daemon loads it and driven by the
// Loop over the fake backend.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include "core/loop.hpp"
#include "fake_backend.hpp"
#include "plugin/plugin.hpp"

#ifndef SCXD_TEST_FIFO_SO
#error "tests/meson.build passes the path of the built fifo.so as SCXD_TEST_FIFO_SO"
#endif

namespace {

using scxd::Loop;
using scxd::test::FakeBackend;
using scxd::test::make_task;

constexpr std::uint32_t nr_cpus = 4;

std::unique_ptr<scxd::PolicyInstance> load_fifo(std::uint32_t max_tasks = 8192)
{
    auto plugin = scxd::Plugin::open(SCXD_TEST_FIFO_SO);
    INFO((plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    scxd::HostConfig config;
    config.nr_cpus = nr_cpus;
    config.max_tasks = max_tasks;
    auto inst = scxd::PolicyInstance::create(*plugin, config);
    INFO((inst ? "" : inst.error().message));
    REQUIRE(inst.ok());
    return std::move(inst).value();
}

scxd::LoopOptions loop_options()
{
    scxd::LoopOptions o;
    o.nr_cpus = nr_cpus;
    return o;
}

} // namespace

TEST_CASE("fifo: the plugin loads and describes itself", "[fifo]")
{
    const auto fifo = load_fifo();
    const auto &e = fifo->plugin().entry();
    CHECK(fifo->plugin().name() == "fifo");
    CHECK(e.abi_major == SCXD_POLICY_ABI_MAJOR);
    CHECK(e.struct_size == sizeof(scxd_policy_entry));
    CHECK(e.ops->struct_size == sizeof(scxd_policy_ops));
    CHECK(fifo->ref().name() == "fifo");
}

TEST_CASE("fifo: decisions come out in enqueue order", "[fifo]")
{
    const auto fifo = load_fifo();
    FakeBackend backend;
    Loop loop(backend, fifo->ref(), loop_options());

    // Pids out of numeric order, so "sorted" and "FIFO" differ.
    const std::vector<std::int32_t> order = {50, 3, 17, 4, 99, 1, 23, 8};
    for (auto pid : order)
        backend.queue(make_task(pid));
    (void)loop.run_pass();
    CHECK(backend.dispatched_pids() == order);

    SECTION("and across passes")
    {
        backend.queue(make_task(7));
        backend.queue(make_task(6));
        (void)loop.run_pass();
        auto want = order;
        want.insert(want.end(), {7, 6});
        CHECK(backend.dispatched_pids() == want);
    }
    CHECK(fifo->ref().nr_pending() == 0);
    CHECK(loop.counters().policy_rejected == 0);
}

TEST_CASE("fifo: a pinned task goes to its prev_cpu, others to any CPU", "[fifo]")
{
    const auto fifo = load_fifo();
    FakeBackend backend;
    Loop loop(backend, fifo->ref(), loop_options());

    backend.queue(make_task(1, 2, 1)); // pinned to CPU 2
    backend.queue(make_task(2, 2, 4)); // last ran on 2, may run anywhere
    backend.queue(make_task(3, 0, 1)); // pinned to CPU 0
    backend.queue(make_task(4, 3, 1)); // pinned to CPU 3
    (void)loop.run_pass();

    std::vector<std::int32_t> cpus;
    for (const auto &d : backend.dispatched())
        cpus.push_back(d.cpu);
    CHECK(backend.dispatched_pids() == std::vector<std::int32_t>{1, 2, 3, 4});
    CHECK(cpus == std::vector<std::int32_t>{2, SCXD_CPU_ANY, 0, 3});
}

TEST_CASE("fifo: a full pool refuses on_enqueue and no task is lost", "[fifo]")
{
    // max_tasks 64 gives the smallest ring fifo makes: 64 slots.
    const auto fifo = load_fifo(64);
    FakeBackend backend;
    Loop loop(backend, fifo->ref(), loop_options());

    SECTION("on_enqueue itself refuses the 65th task")
    {
        const auto ref = fifo->ref();
        for (std::int32_t pid = 1; pid <= 64; ++pid)
            REQUIRE(ref.on_enqueue(make_task(pid)) == 0);
        CHECK(ref.on_enqueue(make_task(65)) != 0);
        scxd_decision d{};
        CHECK(ref.pick(d));
        CHECK(d.pid == 1);
        CHECK(ref.on_enqueue(make_task(65)) == 0); // one slot free again
    }
    SECTION("through the loop")
    {
        backend.queue_pids(1, 100);
        (void)loop.run_pass();

        auto got = backend.dispatched_pids();
        std::sort(got.begin(), got.end());
        std::vector<std::int32_t> want(100);
        for (std::size_t i = 0; i < want.size(); ++i)
            want[i] = static_cast<std::int32_t>(i + 1);
        CHECK(got == want);
        CHECK(loop.counters().policy_rejected == 36);
        for (const auto &d : backend.dispatched()) {
            CHECK(d.cookie == scxd::test::cookie_of(d.pid));
            if (d.pid > 64)
                CHECK(d.cpu == SCXD_CPU_ANY); // placed by the daemon itself
        }

        // The pool emptied in the same pass: the next burst fits again.
        backend.queue_pids(101, 164);
        (void)loop.run_pass();
        CHECK(loop.counters().policy_rejected == 36);
        CHECK(backend.dispatched().size() == 164);
    }
}
