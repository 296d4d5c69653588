#include "sim/workload.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/nesting.hpp"
#include "sim/duration.hpp"
#include "sim/params.hpp"
#include "sim/toml_reader.hpp"

namespace scxd::sim {
namespace fs = std::filesystem;

std::string_view to_string(Behaviour b)
{
    switch (b) {
    case Behaviour::hog: return "hog";
    case Behaviour::cycle: return "cycle";
    case Behaviour::periodic: return "periodic";
    case Behaviour::fork: return "fork";
    }
    return "?";
}

std::string_view to_string(Mode m)
{
    return m == Mode::builtin_idle ? "builtin-idle" : "full-user";
}

// The kernel's sched_prio_to_weight, then sched_weight_to_cgroup: weight * 100 / 1024,
// rounded to nearest and clamped to 1 .. 10000, which is what sched_ext's p->scx.weight holds.
std::uint64_t weight_of_nice(int nice)
{
    static constexpr std::array<std::uint64_t, 40> prio_to_weight{
        88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
        9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
        1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
        110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
    };
    const int index = std::clamp(nice, -20, 19) + 20;
    const std::uint64_t w = prio_to_weight[static_cast<std::size_t>(index)];
    return std::clamp<std::uint64_t>((w * 100 + 512) / 1024, 1, 10000);
}

namespace {

int nice_closest_to(std::uint64_t weight)
{
    int best = 0;
    for (int n = -20; n <= 19; ++n) {
        const auto d = [&](int x) {
            const auto w = weight_of_nice(x);
            return w > weight ? w - weight : weight - w;
        };
        if (d(n) < d(best))
            best = n;
    }
    return best;
}

// Stable across runs and machines; real cgroup ids are inode numbers, 1 for the root.
std::uint64_t fake_cgroup_id(std::string_view path)
{
    if (path.empty() || path == "/")
        return 1;
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : path) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h &= (1ULL << 40) - 1;
    return h < 2 ? h + 2 : h;
}

Status read_workload_table(const TomlReader &r, Workload &w)
{
    if (auto st = r.only({"name", "description", "cpus", "duration", "slice", "tick", "mode",
                          "max_tasks", "daemon_pass_cost", "daemon_task_cost", "wakeup_preempt"});
        !st)
        return st;
    Status st = Ok{};
    std::int64_t cpus = w.cpus;
    std::int64_t max_tasks = w.max_tasks;
    std::string mode(to_string(w.mode));
    if (!take(r.string("name"), w.name, st) || !take(r.string("description"), w.description, st) ||
        !take(r.integer("cpus", 1, 1024), cpus, st) ||
        !take(r.duration("duration"), w.duration_ns, st) ||
        !take(r.duration("slice"), w.slice_ns, st) || !take(r.duration("tick"), w.tick_ns, st) ||
        !take(r.string("mode"), mode, st) ||
        !take(r.integer("max_tasks", 64, 1 << 20), max_tasks, st) ||
        !take(r.duration("daemon_pass_cost"), w.daemon_pass_ns, st) ||
        !take(r.duration("daemon_task_cost"), w.daemon_task_ns, st) ||
        !take(r.duration("wakeup_preempt"), w.wakeup_preempt_ns, st))
        return st;
    w.cpus = static_cast<std::uint32_t>(cpus);
    w.max_tasks = static_cast<std::uint32_t>(max_tasks);
    if (mode != "builtin-idle" && mode != "full-user")
        return r.fail(*r.node("mode"), "'mode' must be \"builtin-idle\" or \"full-user\"");
    w.mode = mode == "full-user" ? Mode::full_user : Mode::builtin_idle;
    if (w.duration_ns == 0 || w.duration_ns > 3600 * ns_per_s)
        return r.fail("'duration' must be more than 0 and at most \"3600s\"");
    if (w.slice_ns < 50 * ns_per_us || w.slice_ns > ns_per_s)
        return r.fail("'slice' must be from \"50us\" to \"1s\", as scxd run --slice-us");
    if (w.wakeup_preempt_ns > ns_per_s)
        return r.fail("'wakeup_preempt' must be at most \"1s\", as scxd run --wakeup-preempt-us");
    if (w.tick_ns > 100 * ns_per_ms)
        return r.fail("'tick' must be at most \"100ms\" (HZ=10); \"0s\" means exact slices");
    return Ok{};
}

// Keys each behaviour reads besides the common ones.
std::vector<std::string_view> behaviour_keys(Behaviour b)
{
    switch (b) {
    case Behaviour::hog: return {"run", "repeat"};
    case Behaviour::cycle: return {"run", "sleep", "repeat"};
    case Behaviour::periodic: return {"run", "period", "deadline", "repeat"};
    case Behaviour::fork: return {"run", "every", "burst", "child_run", "repeat"};
    }
    return {};
}

Result<Behaviour> read_behaviour(const TomlReader &r)
{
    const auto *n = r.node("behaviour");
    if (n == nullptr)
        return r.fail("'behaviour' is missing: give one of \"hog\", \"cycle\", \"periodic\", "
                      "\"fork\"");
    const auto s = n->value_exact<std::string>().value_or("");
    for (auto b : {Behaviour::hog, Behaviour::cycle, Behaviour::periodic, Behaviour::fork})
        if (s == to_string(b))
            return b;
    return r.fail(*n, "'behaviour' must be \"hog\", \"cycle\", \"periodic\" or \"fork\"");
}

Status read_identity(const TomlReader &r, Group &g)
{
    Status st = Ok{};
    std::int64_t count = 1;
    std::int64_t uid = 0;
    std::int64_t cgroup_id = 0;
    if (!take(r.integer("count", 1, 100'000), count, st) ||
        !take(r.integer("uid", 0, 0xfffffffe), uid, st) ||
        !take(r.string("cgroup"), g.cgroup, st) ||
        !take(r.integer("cgroup_id", 1, INT64_MAX), cgroup_id, st) ||
        !take(r.string("comm"), g.comm, st) || !take(r.cpu_list("cpus"), g.cpus, st) ||
        !take(r.boolean("shared_tgid"), g.shared_tgid, st))
        return st;
    auto n = r.integer("nice", -20, 19);
    auto w = r.integer("weight", 1, 10000);
    if (!n)
        return n.error();
    if (!w)
        return w.error();
    if (*n && *w)
        return r.fail(*r.node("weight"), "give 'nice' or 'weight', not both");
    g.count = static_cast<std::uint32_t>(count);
    g.uid = static_cast<std::uint32_t>(uid);
    g.cgroup_id = cgroup_id > 0 ? static_cast<std::uint64_t>(cgroup_id) : fake_cgroup_id(g.cgroup);
    const std::optional<std::int64_t> &given_weight = *w;
    const std::optional<std::int64_t> &given_nice = *n;
    if (given_weight) {
        g.weight = static_cast<std::uint64_t>(*given_weight);
        g.nice = nice_closest_to(g.weight);
    } else {
        g.nice = static_cast<int>(given_nice.value_or(0));
        g.weight = weight_of_nice(g.nice);
    }
    if (g.comm.empty())
        g.comm = g.name;
    if (g.comm.size() > 15)
        g.comm.resize(15); // the kernel's TASK_COMM_LEN - 1
    return Ok{};
}

Status read_timing(const TomlReader &r, Group &g)
{
    Status st = Ok{};
    std::int64_t burst = 0;
    std::int64_t repeat = 0;
    std::uint64_t exit_after = 0;
    if (!take(r.duration("start"), g.start_ns, st) ||
        !take(r.duration("stagger"), g.stagger_ns, st) ||
        !take(r.fraction_ppm("jitter"), g.jitter_ppm, st) ||
        !take(r.duration("run"), g.run_ns, st) || !take(r.duration("sleep"), g.sleep_ns, st) ||
        !take(r.duration("period"), g.period_ns, st) ||
        !take(r.duration("deadline"), g.deadline_ns, st) ||
        !take(r.duration("every"), g.every_ns, st) ||
        !take(r.integer("burst", 1, 100'000), burst, st) ||
        !take(r.duration("child_run"), g.child_run_ns, st) ||
        !take(r.integer("repeat", 0, INT64_MAX), repeat, st) ||
        !take(r.duration("exit_after"), exit_after, st))
        return st;
    g.burst = static_cast<std::uint32_t>(burst);
    g.repeat = static_cast<std::uint64_t>(repeat);
    if (r.node("exit_after") != nullptr)
        g.exit_after_ns = exit_after;
    return Ok{};
}

// Required keys and defaults, per behaviour.
Status complete_behaviour(const TomlReader &r, Group &g)
{
    const auto need = [&](std::string_view key, std::string_view example) -> Status {
        if (r.node(key) == nullptr)
            return r.fail(fmt::format("behaviour \"{}\" needs '{}', e.g. {} = \"{}\"",
                                      to_string(g.behaviour), key, key, example));
        return Ok{};
    };
    const auto positive = [&](std::string_view key, std::uint64_t v) -> Status {
        if (v == 0)
            return r.fail(*r.node(key), fmt::format("'{}' must be more than 0", key));
        return Ok{};
    };
    Status st = Ok{};
    switch (g.behaviour) {
    case Behaviour::hog:
        if (r.node("run") == nullptr)
            g.run_ns = 10 * ns_per_ms;
        return positive("run", g.run_ns);
    case Behaviour::cycle:
        if (!(st = need("run", "2ms")) || !(st = need("sleep", "8ms")))
            return st;
        return positive("run", g.run_ns);
    case Behaviour::periodic:
        if (!(st = need("run", "1ms")) || !(st = need("period", "16ms")) ||
            !(st = positive("run", g.run_ns)) || !(st = positive("period", g.period_ns)))
            return st;
        if (r.node("deadline") == nullptr)
            g.deadline_ns = g.period_ns;
        return positive("deadline", g.deadline_ns);
    case Behaviour::fork:
        if (!(st = need("every", "100ms")) || !(st = need("burst", "20")) ||
            !(st = need("child_run", "2ms")) || !(st = positive("every", g.every_ns)) ||
            !(st = positive("child_run", g.child_run_ns)))
            return st;
        if (r.node("run") == nullptr)
            g.run_ns = 50 * ns_per_us;
        return positive("run", g.run_ns);
    }
    return Ok{};
}

Result<Group> read_group(const toml::table &t, std::size_t index, const fs::path &file)
{
    Group g;
    g.name = t.get("name") ? t.get("name")->value_exact<std::string>().value_or("") : "";
    TomlReader r(t,
                 g.name.empty() ? fmt::format("[[group]] #{}", index + 1)
                                : fmt::format("group '{}'", g.name),
                 file);
    if (g.name.empty())
        return r.fail("'name' is missing or not a string: give every group a name");
    auto b = read_behaviour(r);
    if (!b)
        return b.error();
    g.behaviour = *b;
    std::vector<std::string_view> keys{
        "name", "count", "nice",    "weight", "uid",       "cgroup",     "cgroup_id",  "comm",
        "cpus", "start", "stagger", "jitter", "behaviour", "exit_after", "shared_tgid"};
    for (auto k : behaviour_keys(g.behaviour))
        keys.push_back(k);
    if (auto st = r.only(keys, fmt::format(" for behaviour \"{}\"", to_string(g.behaviour))); !st)
        return st.error();
    if (auto st = read_identity(r, g); !st)
        return st.error();
    if (auto st = read_timing(r, g); !st)
        return st.error();
    if (auto st = complete_behaviour(r, g); !st)
        return st.error();
    return g;
}

Result<Change> read_change(const toml::table &t, std::size_t index, const Workload &w,
                           const fs::path &file)
{
    TomlReader r(t, fmt::format("[[change]] #{}", index + 1), file);
    if (auto st = r.only({"at", "group", "nice", "weight", "cpus", "kill"}); !st)
        return st.error();
    Change c;
    Status st = Ok{};
    std::string group;
    if (!take(r.duration("at"), c.at_ns, st) || !take(r.string("group"), group, st) ||
        !take(r.boolean("kill"), c.kill, st))
        return st.error();
    if (r.node("at") == nullptr)
        return r.fail("'at' is missing: when the change happens, e.g. at = \"2s\"");
    const auto it = std::find_if(w.groups.begin(), w.groups.end(),
                                 [&](const Group &g) { return g.name == group; });
    if (it == w.groups.end())
        return r.fail(fmt::format("'group' = \"{}\" names no [[group]] above: use one of their "
                                  "names",
                                  group));
    c.group = static_cast<std::size_t>(it - w.groups.begin());
    auto nice = r.integer("nice", -20, 19);
    auto weight = r.integer("weight", 1, 10000);
    auto cpus = r.cpu_list("cpus");
    if (!nice)
        return nice.error();
    if (!weight)
        return weight.error();
    if (!cpus)
        return cpus.error();
    if (*nice && *weight)
        return r.fail("give 'nice' or 'weight', not both");
    if (const auto &n = *nice; n)
        c.nice = static_cast<int>(*n);
    if (const auto &wt = *weight; wt)
        c.weight = static_cast<std::uint64_t>(*wt);
    c.cpus = *cpus;
    if (!c.kill && !c.nice && !c.weight && !c.cpus)
        return r.fail("changes nothing: give 'nice', 'weight', 'cpus' or kill = true");
    return c;
}

Status read_groups(const toml::table &root, Workload &w, const fs::path &file)
{
    const auto *node = root.get("group");
    const auto *arr = node ? node->as_array() : nullptr;
    if (arr == nullptr || arr->empty() || !arr->is_array_of_tables())
        return Error{fmt::format("{}: no [[group]] tables: a workload needs at least one group "
                                 "of tasks, e.g. [[group]] name = \"hogs\" behaviour = \"hog\"",
                                 file.string())};
    std::set<std::string> names;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        auto g = read_group(*arr->get(i)->as_table(), i, file);
        if (!g)
            return g.error();
        if (!names.insert(g->name).second)
            return Error{fmt::format("{}: two groups are named '{}': group names must be unique",
                                     file.string(), g->name)};
        w.groups.push_back(std::move(*g));
    }
    return Ok{};
}

Status read_changes(const toml::table &root, Workload &w, const fs::path &file)
{
    const auto *node = root.get("change");
    if (node == nullptr)
        return Ok{};
    const auto *arr = node->as_array();
    if (arr == nullptr || !arr->is_array_of_tables())
        return Error{
            fmt::format("{}: 'change' must be an array of tables ([[change]])", file.string())};
    for (std::size_t i = 0; i < arr->size(); ++i) {
        auto c = read_change(*arr->get(i)->as_table(), i, w, file);
        if (!c)
            return c.error();
        w.changes.push_back(std::move(*c));
    }
    // By time; changes at the same time keep the file's order.
    std::vector<std::size_t> order(w.changes.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(w.changes[a].at_ns, a) < std::pair(w.changes[b].at_ns, b);
    });
    std::vector<Change> sorted;
    sorted.reserve(order.size());
    for (const auto i : order)
        sorted.push_back(w.changes[i]);
    w.changes = std::move(sorted);
    return Ok{};
}

Status read_policies(const toml::table &root, Workload &w, const fs::path &file)
{
    const auto *node = root.get("policy");
    if (node == nullptr)
        return Ok{};
    const auto *t = node->as_table();
    if (t == nullptr)
        return Error{
            fmt::format("{}: 'policy' must be a table of [policy.<name>] tables", file.string())};
    for (const auto &[name, sub] : *t) {
        const auto *st = sub.as_table();
        if (st == nullptr)
            return Error{fmt::format("{}: policy.{} must be a table: write [policy.{}]",
                                     file.string(), name.str(), name.str())};
        auto flat = flatten_params(*st, std::string(name.str()), file);
        if (!flat)
            return flat.error();
        w.policy_params[std::string(name.str())] = std::move(*flat);
    }
    return Ok{};
}

} // namespace

Result<Workload> parse_workload(std::string_view text, const fs::path &path)
{
    if (auto st = check_key_depth(text, path); !st) // toml++ would overflow the stack
        return st.error();
    toml::table root;
    try {
        root = toml::parse(text, path.string());
    } catch (const toml::parse_error &e) {
        const auto &b = e.source().begin;
        return Error{fmt::format("{}:{}:{}: not valid TOML: {}", path.string(), b.line, b.column,
                                 e.description())};
    }
    Workload w;
    w.file = path;
    w.name = path.stem().string();
    for (const auto &[k, v] : root) {
        const auto key = k.str();
        if (key != "workload" && key != "group" && key != "change" && key != "policy")
            return Error{fmt::format("{}: unknown top-level key '{}': a workload has [workload], "
                                     "[[group]], [[change]] and [policy.<name>]",
                                     path.string(), key)};
    }
    if (const auto *wt = root.get("workload")) {
        if (!wt->is_table())
            return Error{
                fmt::format("{}: 'workload' must be a table: write [workload]", path.string())};
        const TomlReader r(*wt->as_table(), "[workload]", path);
        if (auto st = read_workload_table(r, w); !st)
            return st.error();
    }
    if (auto st = read_groups(root, w, path); !st)
        return st.error();
    if (auto st = read_changes(root, w, path); !st)
        return st.error();
    if (auto st = read_policies(root, w, path); !st)
        return st.error();
    return w;
}

Result<Workload> load_workload(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error{fmt::format("workload {}: cannot read it: give the path of a workload "
                                 "TOML file, e.g. tests/workloads/hogs.toml",
                                 path.string())};
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_workload(buf.str(), path);
}

} // namespace scxd::sim
