// The weighted plugin from the build tree, loaded as the daemon loads it: classes from
// flattened config keys, matching by uid / comm prefix / cgroup subtree, class shares in a
// closed-loop simulation, and one-line errors for bad classes.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
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

#ifndef SCXD_TEST_WEIGHTED_SO
#error "tests/meson.build passes the path of the built weighted.so as SCXD_TEST_WEIGHTED_SO"
#endif

namespace fs = std::filesystem;

namespace {

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::WithinRel;
using scxd::test::FakeBackend;
using scxd::test::make_task;

constexpr std::uint64_t ms = 1'000'000;

struct Class {
    std::string name;
    std::int64_t weight;
    std::string matcher; // "uid", "comm" or "cgroup"
    scxd::ParamValue value;
};

scxd::HostConfig host_config(const std::vector<Class> &classes = {}, std::uint32_t nr_cpus = 1,
                             std::uint32_t max_tasks = 8192)
{
    scxd::HostConfig config;
    config.nr_cpus = nr_cpus;
    config.max_tasks = max_tasks;
    config.default_slice_ns = 5 * ms;
    for (std::size_t i = 0; i < classes.size(); ++i) {
        const auto key = "class." + std::to_string(i) + ".";
        config.params[key + "name"] = classes[i].name;
        config.params[key + "weight"] = classes[i].weight;
        config.params[key + classes[i].matcher] = classes[i].value;
    }
    return config;
}

scxd::Result<std::unique_ptr<scxd::PolicyInstance>> try_load(const scxd::HostConfig &config)
{
    auto plugin = scxd::Plugin::open(SCXD_TEST_WEIGHTED_SO);
    INFO((plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    return scxd::PolicyInstance::create(*plugin, config);
}

std::unique_ptr<scxd::PolicyInstance> load(const scxd::HostConfig &config)
{
    auto inst = try_load(config);
    INFO((inst ? "" : inst.error().message));
    REQUIRE(inst.ok());
    return std::move(inst).value();
}

std::vector<scxd_decision> pick_all(const scxd::PolicyRef &ref)
{
    std::vector<scxd_decision> out;
    scxd_decision d{};
    while (ref.pick(d))
        out.push_back(d);
    return out;
}

// A fresh task's vtime is 0 + the 5 ms reference slice * 100 / its effective weight: it shows
// which class the task landed in and what weight it got there.
std::uint64_t fresh_vtime(const scxd::PolicyRef &ref, const scxd_task &t)
{
    REQUIRE(ref.on_enqueue(t) == 0);
    const auto picked = pick_all(ref);
    REQUIRE(picked.size() == 1);
    return picked[0].vtime;
}

scxd_task task(std::int32_t pid, const char *comm, std::uint32_t uid = 0,
               std::uint64_t cgroup_id = 1)
{
    auto t = make_task(pid);
    std::snprintf(t.comm, sizeof(t.comm), "%s", comm);
    t.uid = uid;
    t.cgroup_id = cgroup_id;
    return t;
}

// Closed loop on one CPU: a vtime-ordered queue stands in for the kernel's, and each picked
// task runs its whole slice, then comes back to the policy (unless it stopped).
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

    // The task sleeps from now on (its queued turn is dropped); with `exits`, it exits.
    void stop(std::int32_t pid, bool exits)
    {
        std::erase_if(queue_, [&](const auto &e) { return e.second.pid == pid; });
        tasks_.erase(pid);
        if (exits)
            ref_.on_exit(pid);
    }

    std::map<std::int32_t, std::uint64_t> run(int slices)
    {
        std::map<std::int32_t, std::uint64_t> ran;
        for (int i = 0; i < slices && !queue_.empty(); ++i) {
            const scxd_decision d = queue_.begin()->second;
            queue_.erase(queue_.begin());
            auto &t = tasks_.at(d.pid);
            REQUIRE(d.cookie == t.cookie);
            now_ += d.slice_ns;
            ran[d.pid] += d.slice_ns;
            t.sum_exec_runtime += d.slice_ns;
            t.ran_since_placed_ns = d.slice_ns;
            t.flags = 0;
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

double sum_ratio(const std::map<std::int32_t, std::uint64_t> &ran, const std::set<std::int32_t> &a,
                 const std::set<std::int32_t> &b)
{
    std::uint64_t sa = 0;
    std::uint64_t sb = 0;
    for (const auto &[pid, ns] : ran) {
        if (a.count(pid))
            sa += ns;
        else if (b.count(pid))
            sb += ns;
    }
    REQUIRE(sb > 0);
    return static_cast<double>(sa) / static_cast<double>(sb);
}

// A directory tree standing in for /sys/fs/cgroup: ROOT/a, ROOT/a/b, ROOT/c.
class FakeCgroups {
public:
    FakeCgroups()
    {
        std::string tmpl = (fs::temp_directory_path() / "scxd-cgroup-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        root_ = tmpl;
        fs::create_directories(root_ / "a" / "b");
        fs::create_directories(root_ / "c");
    }
    FakeCgroups(const FakeCgroups &) = delete;
    FakeCgroups &operator=(const FakeCgroups &) = delete;
    ~FakeCgroups()
    {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    [[nodiscard]] std::string root() const { return root_.string(); }
    [[nodiscard]] std::uint64_t id(const std::string &rel) const
    {
        struct stat st {};
        REQUIRE(::stat((root_ / rel).c_str(), &st) == 0);
        return st.st_ino;
    }

private:
    fs::path root_;
};

} // namespace

TEST_CASE("weighted: the plugin loads; without classes tasks keep their nice weight", "[weighted]")
{
    const auto inst = load(host_config());
    CHECK(inst->plugin().name() == "weighted");
    auto t = task(1, "x");
    CHECK(fresh_vtime(inst->ref(), t) == 5 * ms);
    t.pid = 2;
    t.weight = 200;
    CHECK(fresh_vtime(inst->ref(), t) == 5 * ms / 2);
}

TEST_CASE("weighted: tasks are matched by uid, comm prefix or cgroup subtree", "[weighted]")
{
    FakeCgroups cg;
    auto config = host_config({
        {"db", 1000, "uid", std::int64_t{1234}},
        {"build", 500, "comm", std::string("cc1")},
        {"svc", 250, "cgroup", std::string("/a")},
        {"late", 200, "comm", std::string("cc")}, // cc1* is taken by "build": first wins
    });
    config.params["cgroup_root"] = cg.root();
    const auto inst = load(config);
    const auto ref = inst->ref();

    // Alone in its class, a nice-0 task weighs what its class weighs.
    SECTION("uid") { CHECK(fresh_vtime(ref, task(1, "x", 1234)) == 5 * ms * 100 / 1000); }
    SECTION("comm prefix") { CHECK(fresh_vtime(ref, task(1, "cc1plus")) == 5 * ms * 100 / 500); }
    SECTION("first matching class wins")
    {
        CHECK(fresh_vtime(ref, task(1, "cc1plus", 1234)) == 5 * ms * 100 / 1000);
        CHECK(fresh_vtime(ref, task(2, "cc")) == 5 * ms * 100 / 200);
    }
    SECTION("the cgroup itself") { CHECK(fresh_vtime(ref, task(1, "x", 0, cg.id("a"))) == 2 * ms); }
    SECTION("a cgroup below it")
    {
        CHECK(fresh_vtime(ref, task(1, "x", 0, cg.id("a/b"))) == 2 * ms);
    }
    SECTION("no class: the nice weight")
    {
        CHECK(fresh_vtime(ref, task(1, "x", 0, cg.id("c"))) == 5 * ms);
        CHECK(fresh_vtime(ref, task(2, "x", 0, cg.id("."))) == 5 * ms);
        CHECK(fresh_vtime(ref, task(3, "c")) == 5 * ms);
    }
    SECTION("tasks of one class split its weight")
    {
        CHECK(fresh_vtime(ref, task(1, "x", 1234)) == 5 * ms * 100 / 1000);
        CHECK(fresh_vtime(ref, task(2, "x", 1234)) == 5 * ms * 100 / 500);
        auto heavy = task(3, "x", 1234);
        heavy.weight = 200; // twice a nice-0 task: half of the class's 400 now counted
        CHECK(fresh_vtime(ref, heavy) == 5 * ms * 100 / 500);
    }
}

TEST_CASE("weighted: classes share the CPU by their weights", "[weighted]")
{
    const auto inst = load(host_config({
        {"fg", 300, "comm", std::string("fg")},
        {"bg", 100, "comm", std::string("bg")},
    }));
    Sim sim(inst->ref());
    // Two foreground and three background hogs: the classes' shares still go 3:1.
    sim.add(task(1, "fg-1"));
    sim.add(task(2, "fg-2"));
    sim.add(task(3, "bg-1"));
    sim.add(task(4, "bg-2"));
    sim.add(task(5, "bg-3"));
    (void)sim.run(100);
    const auto ran = sim.run(2000);
    CHECK_THAT(sum_ratio(ran, {1, 2}, {3, 4, 5}), WithinRel(3.0, 0.10));
    CHECK_THAT(sum_ratio(ran, {1}, {2}), WithinRel(1.0, 0.10)); // fair within a class
    CHECK_THAT(sum_ratio(ran, {3}, {5}), WithinRel(1.0, 0.10));

    SECTION("a task in no class weighs its nice weight (100, as much as class bg)")
    {
        sim.add(task(6, "other"));
        (void)sim.run(100);
        const auto ran2 = sim.run(2000);
        CHECK_THAT(sum_ratio(ran2, {1, 2}, {3, 4, 5}), WithinRel(3.0, 0.10));
        CHECK_THAT(sum_ratio(ran2, {6}, {3, 4, 5}), WithinRel(1.0, 0.10));
    }
}

TEST_CASE("weighted: a class member that leaves stops diluting the class", "[weighted]")
{
    const auto inst = load(host_config({
        {"fg", 300, "comm", std::string("fg")},
        {"bg", 100, "comm", std::string("bg")},
    }));
    Sim sim(inst->ref());
    sim.add(task(1, "fg-1"));
    sim.add(task(2, "fg-2"));
    sim.add(task(3, "bg-1"));
    (void)sim.run(100);
    // fg-1 and fg-2 weigh 150 each: bg-1 (100) gets 2/3 of what fg-1 gets.
    CHECK_THAT(sum_ratio(sim.run(1000), {1}, {3}), WithinRel(1.5, 0.10));

    const bool exits = GENERATE(true, false);
    INFO((exits ? "fg-2 exits" : "fg-2 sleeps"));
    sim.stop(2, exits);
    (void)sim.run(100); // a sleeper drops out once its class ran its turns without it
    CHECK_THAT(sum_ratio(sim.run(1000), {1}, {3}), WithinRel(3.0, 0.10));
}

TEST_CASE("weighted: thousands of tasks each come back exactly once", "[weighted]")
{
    const auto inst = load(host_config(
        {
            {"even", 300, "uid", std::int64_t{2}},
            {"odd", 100, "uid", std::int64_t{1}},
        },
        4));
    FakeBackend backend;
    scxd::LoopOptions options;
    options.nr_cpus = 4;
    scxd::Loop loop(backend, inst->ref(), options);
    for (std::int32_t pid = 1; pid <= 5000; ++pid)
        backend.queue(task(pid, "t", pid % 3 == 0 ? 0 : 1 + pid % 2));
    (void)loop.run_pass();
    (void)loop.run_pass();
    CHECK(inst->ref().nr_pending() == 0);
    auto got = backend.dispatched_pids();
    std::sort(got.begin(), got.end());
    REQUIRE(got.size() == 5000);
    CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
    CHECK(got.front() == 1);
    CHECK(got.back() == 5000);
    for (const auto &d : backend.dispatched())
        REQUIRE(d.cookie == scxd::test::cookie_of(d.pid));
}

TEST_CASE("weighted: a full pool refuses on_enqueue", "[weighted]")
{
    const auto inst = load(host_config({{"a", 100, "uid", std::int64_t{0}}}, 1, 64));
    const auto ref = inst->ref();
    for (std::int32_t pid = 1; pid <= 64; ++pid)
        REQUIRE(ref.on_enqueue(task(pid, "t")) == 0);
    CHECK(ref.on_enqueue(task(65, "t")) != 0);
    CHECK(pick_all(ref).size() == 64);
    CHECK(ref.on_enqueue(task(65, "t")) == 0);
}

TEST_CASE("weighted: bad classes fail create() with one line naming the key", "[weighted]")
{
    FakeCgroups cg;
    using Params = std::map<std::string, scxd::ParamValue>;
    struct Case {
        Params set;                     // on top of class.0 = {a, 100, comm "x"}
        std::vector<std::string> erase; // keys removed from that
        std::string want;               // {root}: the cgroup root of this run
    };
    const auto c = GENERATE(values<Case>({
        {{{"class.1.name", std::string("b")},
          {"class.1.weight", std::int64_t{0}},
          {"class.1.uid", std::int64_t{0}}},
         {},
         "class.1.weight must be 1..10000, got 0"},
        {{{"class.0.weight", 1.5}}, {}, "class.0.weight must be an integer 1..10000"},
        {{}, {"class.0.weight"}, "class.0.weight is missing"},
        {{}, {"class.0.name"}, "class.0.name is missing"},
        {{{"class.0.name", std::int64_t{7}}}, {}, "class.0.name must be a string"},
        {{{"class.1.name", std::string("a")},
          {"class.1.weight", std::int64_t{5}},
          {"class.1.uid", std::int64_t{0}}},
         {},
         "class.1.name \"a\" is already the name of class.0"},
        {{}, {"class.0.comm"}, "class.0 (\"a\") needs exactly one of uid, cgroup or comm"},
        {{{"class.0.uid", std::int64_t{0}}},
         {},
         "class.0 (\"a\") needs exactly one of uid, cgroup or comm"},
        {{{"class.0.uid", std::int64_t{-1}}},
         {"class.0.comm"},
         "class.0.uid must be a user id 0..4294967294, got -1"},
        {{{"class.0.uid", std::string("root")}},
         {"class.0.comm"},
         "class.0.uid must be an integer"},
        {{{"class.0.comm", std::string("0123456789abcdef")}},
         {},
         "class.0.comm must be 1..15 characters"},
        {{{"class.0.cgroup", std::string("a")}},
         {"class.0.comm"},
         "class.0.cgroup must be a path under the cgroup root starting with '/'"},
        {{{"class.0.cgroup", std::string("/a/../..")}},
         {"class.0.comm"},
         "class.0.cgroup must be a path under the cgroup root"},
        {{{"class.0.cgroup", std::string("/nope")}},
         {"class.0.comm"},
         "class.0.cgroup: cannot open {root}/nope: No such file or directory"},
        {{{"max_slice_us", std::int64_t{0}}}, {}, "max_slice_us must be 50..1000000 us, got 0"},
        {{{"cgroup_root", std::int64_t{0}}}, {}, "cgroup_root must be a string"},
    }));
    auto config = host_config({{"a", 100, "comm", std::string("x")}});
    config.params["cgroup_root"] = cg.root();
    for (const auto &[k, v] : c.set)
        config.params[k] = v;
    for (const auto &k : c.erase)
        config.params.erase(k);
    auto inst = try_load(config);
    REQUIRE_FALSE(inst.ok());
    const auto &msg = inst.error().message;
    INFO("error: " << msg);
    CHECK(msg.find('\n') == std::string::npos);
    auto want = c.want;
    if (const auto at = want.find("{root}"); at != std::string::npos)
        want.replace(at, 6, cg.root());
    CHECK_THAT(msg, ContainsSubstring(want));
}

TEST_CASE("weighted: at most 64 classes", "[weighted]")
{
    std::vector<Class> classes;
    for (int i = 0; i <= 64; ++i)
        classes.push_back({"c" + std::to_string(i), 1, "uid", std::int64_t{i}});
    auto inst = try_load(host_config(classes));
    REQUIRE_FALSE(inst.ok());
    CHECK_THAT(inst.error().message,
               ContainsSubstring("at most 64 classes: class.64 is one too many"));
    classes.pop_back();
    CHECK(try_load(host_config(classes)).ok());
}

TEST_CASE("weighted: a class's indices end at the first gap", "[weighted]")
{
    // class.1 is absent, so class.2 is not a class (the daemon's config check reports keys
    // the policy never read).
    auto config = host_config({{"a", 1000, "uid", std::int64_t{5}}});
    config.params["class.2.name"] = std::string("c");
    config.params["class.2.weight"] = std::int64_t{1000};
    config.params["class.2.uid"] = std::int64_t{6};
    const auto inst = load(config);
    CHECK(fresh_vtime(inst->ref(), task(1, "x", 5)) == 5 * ms / 10);
    CHECK(fresh_vtime(inst->ref(), task(2, "x", 6)) == 5 * ms);
}
