// The config file: every broken sample is refused with one line naming the file and the key;
// policy tables flatten to the keys a policy reads; a flag beats the file beats the default;
// a key the policy never reads is an error; the shipped default file stays valid.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <set>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include "temp_dir.hpp"
#include <catch2/matchers/catch_matchers_string.hpp>

#include "config/config.hpp"
#include "config/near_miss.hpp"
#include "config/overlay.hpp"
#include "config/policy_params.hpp"
#include "plugin/host.hpp"
#include "plugin/plugin.hpp"

#if !defined(SCXD_TEST_CONFIG_DIR) || !defined(SCXD_DEFAULT_CONFIG) || !defined(SCXD_TEST_FIFO_SO)
#error "tests/meson.build passes SCXD_TEST_CONFIG_DIR, SCXD_DEFAULT_CONFIG and SCXD_TEST_FIFO_SO"
#endif

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

namespace {

const fs::path config_dir{SCXD_TEST_CONFIG_DIR};

using scxd::test::TempDir;

std::string read_file(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// What every config error must be: one line, naming the file.
void check_one_line(const std::string &message, const fs::path &file)
{
    INFO("error: " << message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
    CHECK_THAT(message, ContainsSubstring(file.string()));
}

scxd::Config load_ok(const fs::path &p)
{
    auto cfg = scxd::load_config(p);
    INFO("file: " << p << " error: " << (cfg ? "" : cfg.error().message));
    REQUIRE(cfg.ok());
    return std::move(cfg).value();
}

scxd::Config parse_ok(const std::string &text)
{
    auto cfg = scxd::parse_config(text, "/etc/scxd/test.toml");
    INFO("error: " << (cfg ? "" : cfg.error().message));
    REQUIRE(cfg.ok());
    return std::move(cfg).value();
}

std::string parse_error(const std::string &text)
{
    auto cfg = scxd::parse_config(text, "/etc/scxd/test.toml");
    REQUIRE_FALSE(cfg.ok());
    check_one_line(cfg.error().message, "/etc/scxd/test.toml");
    return cfg.error().message;
}

std::shared_ptr<scxd::Plugin> open_plugin(const fs::path &so)
{
    auto plugin = scxd::Plugin::open(so);
    INFO("plugin: " << so << " error: " << (plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    return *plugin;
}

scxd::Status create_with(const fs::path &so, const scxd::Config &cfg)
{
    auto policy = scxd::create_configured_policy(open_plugin(so), scxd::HostConfig{}, cfg);
    if (!policy)
        return policy.error();
    return scxd::Ok{};
}

std::vector<fs::path> broken_configs()
{
    std::vector<fs::path> out;
    for (const auto &e : fs::directory_iterator(config_dir / "broken"))
        if (e.path().extension() == ".toml")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

template <typename T>
T param(const scxd::Config &cfg, const std::string &policy, const std::string &key)
{
    INFO("[policy." << policy << "] " << key);
    REQUIRE(cfg.policies.contains(policy));
    const auto &table = cfg.policies.at(policy);
    REQUIRE(table.contains(key));
    const T *v = std::get_if<T>(&table.at(key));
    REQUIRE(v != nullptr);
    return *v;
}

// What `scxd check` does once the file parses: the file's policy (fifo when it names none),
// created with its tables. The refusal, as check prints it.
std::string policy_refusal(const scxd::Config &cfg)
{
    fs::path so = SCXD_TEST_FIFO_SO;
    if (cfg.policy == "vruntime")
        so = SCXD_TEST_VRUNTIME_SO;
    else if (cfg.policy == "weighted")
        so = SCXD_TEST_WEIGHTED_SO;
    else if (cfg.policy && *cfg.policy != "fifo")
        so = *cfg.policy; // a path, made absolute by load_config
    auto plugin = scxd::Plugin::open(so);
    if (!plugin)
        return cfg.file.string() + ": " + plugin.error().message; // as check: FILE:LINE:COL
    auto policy = scxd::create_configured_policy(*plugin, scxd::HostConfig{}, cfg);
    REQUIRE_FALSE(policy.ok());
    return policy.error().message;
}

} // namespace

TEST_CASE("config: every broken sample is refused with one line naming file and key", "[config]")
{
    const auto files = broken_configs();
    REQUIRE(files.size() >= 20);
    for (const auto &f : files) {
        const auto text = read_file(f);
        const std::string tag = "# expect: ";
        REQUIRE(text.starts_with(tag));
        const auto expect = text.substr(tag.size(), text.find('\n') - tag.size());
        INFO("file: " << f);

        std::string message;
        auto cfg = scxd::load_config(f);
        if (cfg) // fine as TOML: then the policy must refuse it (a parameter, or the plugin)
            message = policy_refusal(*cfg);
        else
            message = cfg.error().message;
        check_one_line(message, f);
        CHECK_THAT(message, ContainsSubstring(expect));
    }
}

TEST_CASE("config: errors point at line and column", "[config]")
{
    CHECK_THAT(parse_error("mode = \"full-user\"\n\nslice_us = 0\n"),
               ContainsSubstring("/etc/scxd/test.toml:3:12: key 'slice_us': must be 50..1000000"));
    CHECK_THAT(parse_error("slice_us = \n"), ContainsSubstring("/etc/scxd/test.toml:1:"));
    CHECK_THAT(parse_error("slice_us = 1_000_001"), ContainsSubstring("got 1000001"));
    CHECK_THAT(parse_error("max_tasks = 63"), ContainsSubstring("must be 64..1048576, got 63"));
    CHECK_THAT(parse_error("max_tasks = 1048577"), ContainsSubstring("got 1048577"));
    CHECK_THAT(parse_error("partial = \"yes\""), ContainsSubstring("got a string (\"yes\")"));
}

TEST_CASE("config: an unknown top-level key names the keys, with a near miss", "[config]")
{
    const auto typo = parse_error("slise_us = 5000\n");
    CHECK_THAT(typo, ContainsSubstring("unknown key 'slise_us' (did you mean 'slice_us'?)"));
    CHECK_THAT(typo, ContainsSubstring("the keys are: policy, policy_dirs, mode"));
    const auto far = parse_error("[scheduler]\nslice = 5\n");
    CHECK_THAT(far, ContainsSubstring("unknown key 'scheduler'; the keys are"));
    CHECK(scxd::nearest("stat_socket", {"stats_socket", "slice_us"}) == "stats_socket");
    CHECK(scxd::nearest("maxtasks", {"max_tasks"}) == "max_tasks");
    CHECK(scxd::nearest("mdoe", {"mode"}) == "mode"); // a swap is one edit
    CHECK(scxd::nearest("colour", {"mode", "policy"}).empty());
    CHECK(scxd::nearest("sleeper_credit", {"slice_us", "sleeper_credit_us"}) ==
          "sleeper_credit_us");
    CHECK(scxd::nearest("max", {"max_slice_us"}).empty()); // too short to guess from
}

TEST_CASE("config: missing, unreadable and odd files", "[config]")
{
    TempDir dir;
    const auto missing = dir.path() / "scxd.toml";

    SECTION("the default file may be absent: built-in defaults")
    {
        auto cfg = scxd::load_config(missing, /*must_exist=*/false);
        REQUIRE(cfg.ok());
        CHECK(cfg->file.empty());
        CHECK_FALSE(cfg->policy.has_value());
        CHECK(cfg->policies.empty());
    }
    SECTION("a file given with --config must exist")
    {
        auto cfg = scxd::load_config(missing);
        REQUIRE_FALSE(cfg.ok());
        check_one_line(cfg.error().message, missing);
        CHECK_THAT(cfg.error().message, ContainsSubstring("No such file"));
    }
    SECTION("a directory is not a config file, even as the default")
    {
        auto cfg = scxd::load_config(dir.path(), false);
        REQUIRE_FALSE(cfg.ok());
        check_one_line(cfg.error().message, dir.path());
        CHECK_THAT(cfg.error().message, ContainsSubstring("not a regular file"));
    }
    SECTION("an unreadable file")
    {
        const auto f = dir.write("secret.toml", "slice_us = 5000\n");
        fs::permissions(f, fs::perms::none);
        if (geteuid() == 0) {
            SUCCEED("root reads any file: nothing to check");
        } else {
            auto cfg = scxd::load_config(f, false);
            REQUIRE_FALSE(cfg.ok());
            check_one_line(cfg.error().message, f);
            CHECK_THAT(cfg.error().message, ContainsSubstring("Permission denied"));
        }
    }
    SECTION("a huge file")
    {
        const auto f = dir.write("big.toml", std::string(2 << 20, '#'));
        auto cfg = scxd::load_config(f);
        REQUIRE_FALSE(cfg.ok());
        check_one_line(cfg.error().message, f);
        CHECK_THAT(cfg.error().message, ContainsSubstring("too large"));
    }
    SECTION("an empty file sets nothing")
    {
        const auto cfg = load_ok(dir.write("empty.toml", ""));
        CHECK_FALSE(cfg.slice_us.has_value());
        CHECK_FALSE(cfg.mode.has_value());
    }
}

TEST_CASE("config: the good sample sets every key", "[config]")
{
    const auto cfg = load_ok(config_dir / "good.toml");
    CHECK(cfg.file == config_dir / "good.toml");
    CHECK(cfg.policy == "fifo");
    REQUIRE(cfg.policy_dirs.has_value());
    REQUIRE(cfg.policy_dirs->size() == 2);
    // Relative to the file, not to wherever the daemon was started.
    CHECK((*cfg.policy_dirs)[0] == fs::absolute(config_dir / "plugins").lexically_normal());
    CHECK((*cfg.policy_dirs)[1] == "/opt/scxd/policies");
    CHECK(cfg.mode == "full-user");
    CHECK(cfg.partial == true);
    CHECK(cfg.slice_us == 3000U);
    CHECK(cfg.wakeup_preempt_us == 0U);
    CHECK(cfg.max_tasks == 4096U);
    CHECK(cfg.exit_dump_len == 65536U);
    CHECK(cfg.log_level == "warn");
    CHECK(cfg.stats_socket == "/run/scxd-test/stats.sock");
    CHECK(cfg.policies.size() == 2);

    const auto shorthand = load_ok(config_dir / "good-shorthand.toml");
    CHECK(shorthand.policy == "fifo");
    CHECK(shorthand.slice_us == 50U);
    CHECK(shorthand.max_tasks == 1048576U);
    CHECK(shorthand.policies.empty());
}

TEST_CASE("config: policy tables flatten to dotted keys", "[config]")
{
    const auto cfg = load_ok(config_dir / "good.toml");
    using I = std::int64_t;
    CHECK(param<I>(cfg, "vruntime", "slice_us") == 3000);
    CHECK(param<I>(cfg, "vruntime", "sleeper_credit_us") == 10000);
    CHECK(cfg.policies.at("vruntime").size() == 4);

    CHECK(param<std::string>(cfg, "weighted", "cgroup_root") == "/sys/fs/cgroup");
    CHECK(param<std::string>(cfg, "weighted", "class.0.name") == "interactive");
    CHECK(param<I>(cfg, "weighted", "class.0.weight") == 400);
    CHECK(param<I>(cfg, "weighted", "class.0.uid") == 1000);
    CHECK(param<std::string>(cfg, "weighted", "class.1.cgroup") == "/system.slice/batch.slice");
    CHECK(param<std::string>(cfg, "weighted", "class.2.comm") == "cc1plus");
    CHECK_FALSE(cfg.policies.at("weighted").contains("class.3.name"));

    const auto nested = parse_ok("[policy.x]\n"
                                 "a = { b = { c = false }, d = true, r = 0.5 }\n"
                                 "m = [[1, 2], [\"three\"]]\n"
                                 "[[policy.x.t]]\n"
                                 "[[policy.x.t]]\n"
                                 "u = 1.5\n");
    CHECK(param<std::int64_t>(nested, "x", "a.b.c") == 0); // booleans are 0/1
    CHECK(param<std::int64_t>(nested, "x", "a.d") == 1);
    CHECK(param<double>(nested, "x", "a.r") == 0.5);
    CHECK(param<std::int64_t>(nested, "x", "m.0.0") == 1);
    CHECK(param<std::int64_t>(nested, "x", "m.0.1") == 2);
    CHECK(param<std::string>(nested, "x", "m.1.0") == "three");
    CHECK(param<double>(nested, "x", "t.1.u") == 1.5);
    CHECK(nested.policies.at("x").size() == 7); // an empty table adds no key
    // Positions are kept for messages about the key.
    CHECK(nested.param_where.at("x").at("t.1.u") == scxd::SourcePos{6, 1});
    CHECK(nested.param_where.at("x").at("m.1.0") == scxd::SourcePos{3, 15});
}

TEST_CASE("config: the policy is named, or a path relative to the file", "[config]")
{
    CHECK(parse_ok("policy = \"vruntime\"").policy == "vruntime");
    CHECK(parse_ok("[policy]\nname = \"vruntime\"").policy == "vruntime");
    CHECK(parse_ok("policy.name = \"weighted\"\n[policy.weighted]\nx = 1").policy == "weighted");
    CHECK(parse_ok("policy = \"../lib/my.so\"").policy == "/etc/lib/my.so");
    CHECK(parse_ok("policy = \"/opt/my.so\"").policy == "/opt/my.so");
    CHECK(parse_ok("stats_socket = \"run/s.sock\"").stats_socket == "/etc/scxd/run/s.sock");
    // Only the selected policy's table matters; the others may wait for their turn.
    CHECK(parse_ok("[policy.weighted]\nx = 1").policies.contains("weighted"));
}

TEST_CASE("config: a flag beats the file, the file beats the default", "[config]")
{
    const auto cfg = load_ok(config_dir / "good.toml");
    const scxd::RunOptions defaults;

    SECTION("no flags: the file decides where it has a key")
    {
        const auto eff = scxd::apply_config({}, cfg);
        CHECK(eff.run.slice_us == 3000U);
        CHECK(eff.run.mode == "full-user");
        CHECK(eff.run.partial);
        CHECK(eff.run.max_tasks == 4096U);
        CHECK(eff.run.exit_dump_len == 65536U);
        CHECK(eff.run.stats_socket == "/run/scxd-test/stats.sock");
        CHECK(eff.run.policy_dirs.size() == 2);
        CHECK(eff.log_level == "warn");
        CHECK(eff.run.mlock == defaults.mlock); // not a config key
    }
    SECTION("given flags win, even when they equal the default")
    {
        scxd::CliSettings cli;
        cli.run.slice_us = defaults.slice_us;
        cli.run.partial = false; // --no-partial
        cli.run.policy_dirs = {"/srv/policies"};
        cli.log_level = "debug";
        cli.given = {"slice_us", "partial", "policy_dirs", "log_level"};
        const auto eff = scxd::apply_config(cli, cfg);
        CHECK(eff.run.slice_us == defaults.slice_us);
        CHECK_FALSE(eff.run.partial);
        REQUIRE(eff.run.policy_dirs.size() == 1);
        CHECK(eff.run.policy_dirs[0] == "/srv/policies");
        CHECK(eff.log_level == "debug");
        CHECK(eff.run.mode == "full-user"); // not given: still the file's
    }
    SECTION("keys absent from the file keep the built-in defaults")
    {
        const auto eff = scxd::apply_config({}, load_ok(config_dir / "good-empty.toml"));
        CHECK(eff.run.policy == defaults.policy);
        CHECK(eff.run.slice_us == defaults.slice_us);
        CHECK(eff.run.mode == defaults.mode);
        CHECK(eff.run.max_tasks == defaults.max_tasks);
        CHECK(eff.run.partial == defaults.partial);
        CHECK(eff.run.stats_socket == defaults.stats_socket);
        CHECK(eff.log_level == "info");
    }
}

TEST_CASE("config: the host records every parameter the policy asks for", "[config]")
{
    scxd::HostConfig hc;
    hc.params = {
        {"a", std::int64_t{1}}, {"b", 2.0}, {"c", std::string("x")}, {"d", std::int64_t{4}}};
    std::set<std::string> seen;
    hc.queried = &seen;
    scxd::Host host("probe", hc);
    const auto *abi = host.abi();
    std::int64_t i = 0;
    double d = 0;
    const char *s = nullptr;
    CHECK(abi->param_i64(abi, "a", &i) == 0);
    CHECK(abi->param_f64(abi, "d", &d) == 0);       // an integer read as a number still counts
    CHECK(abi->param_str(abi, "missing", &s) == 1); // absent keys count as read too
    CHECK(abi->param_i64(abi, "c", &i) == -1);      // so do wrongly typed ones
    const std::set<std::string> want{"a", "c", "d", "missing"};
    CHECK(host.queried_keys() == want);
    CHECK(seen == want);
    CHECK(host.unqueried_keys() == std::vector<std::string>{"b"});
}

TEST_CASE("config: a parameter the policy never reads is an error", "[config]")
{
    SECTION("fifo reads none: any key in [policy.fifo] is unknown")
    {
        const auto cfg = parse_ok("[policy.fifo]\n\nqueue_len = 64\n");
        const auto st = create_with(SCXD_TEST_FIFO_SO, cfg);
        REQUIRE_FALSE(st.ok());
        check_one_line(st.error().message, "/etc/scxd/test.toml");
        CHECK_THAT(st.error().message,
                   ContainsSubstring("/etc/scxd/test.toml:3:1: [policy.fifo] unknown key "
                                     "'queue_len' (the policy reads no parameters)"));
    }
    SECTION("a near miss of a key the policy reads is named")
    {
        const auto so = fs::path(SCXD_TEST_FIXTURE_DIR) / "good.so"; // reads "answer"
        CHECK(create_with(so, parse_ok("[policy.good]\nanswer = 42\n")).ok());
        const auto st =
            create_with(so, parse_ok("[policy.good]\nanswer = 1\nanswr = 42\nzz = 1\n"));
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message,
                   ContainsSubstring(":3:1: [policy.good] unknown key 'answr' (the policy reads: "
                                     "answer); did you mean 'answer'? (and 1 more unknown key)"));
    }
    SECTION("tables of other policies are not the running policy's business")
    {
        CHECK(create_with(SCXD_TEST_FIFO_SO, parse_ok("[policy.vruntime]\nslice_us = 1\n")).ok());
        CHECK(create_with(SCXD_TEST_FIFO_SO, scxd::Config{}).ok());
    }
    SECTION("array keys are listed by shape")
    {
        scxd::Config cfg = parse_ok("[policy.p]\nnope = 1\n");
        const std::set<std::string> read{"class.0.name", "class.1.name", "class.2.name", "root"};
        const auto st = scxd::check_unknown_params(cfg, "p", read);
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, ContainsSubstring("(the policy reads: class.N.name, root)"));
    }
}

TEST_CASE("config: the shipped scxd.toml is valid, commented and uncommented", "[config]")
{
    const fs::path shipped{SCXD_DEFAULT_CONFIG};
    const auto cfg = load_ok(shipped);
    // Everything is commented out: installing the file changes nothing.
    CHECK_FALSE(cfg.policy.has_value());
    CHECK_FALSE(cfg.slice_us.has_value());
    CHECK(cfg.policies.empty());

    // Settings are commented as "#key = value" / "#[table]", prose as "# text".
    std::istringstream in(read_file(shipped));
    std::string text;
    for (std::string line; std::getline(in, line);) {
        const bool setting = line.size() > 1 && line[0] == '#' && line[1] != ' ' && line[1] != '#';
        text += (setting ? line.substr(1) : line) + "\n";
    }
    auto open = scxd::parse_config(text, shipped);
    INFO("uncommented scxd.toml: " << (open ? "" : open.error().message));
    REQUIRE(open.ok());
    // The values shown are the built-in defaults.
    const scxd::RunOptions defaults;
    CHECK(open->policy == defaults.policy);
    CHECK(open->mode == defaults.mode);
    CHECK(open->partial == defaults.partial);
    CHECK(open->slice_us == defaults.slice_us);
    CHECK(open->max_tasks == defaults.max_tasks);
    CHECK(open->exit_dump_len == defaults.exit_dump_len);
    CHECK(open->log_level == "info");
    CHECK(open->stats_socket == defaults.stats_socket);
    CHECK(open->policies.contains("vruntime"));
    CHECK(open->policies.contains("weighted"));
}

TEST_CASE("config: keys nested deeper than toml++ can take are refused before parsing", "[config]")
{
    std::string deep = "a";
    for (int i = 0; i < 100000; ++i)
        deep += ".a";
    const auto key = parse_error(deep + " = 1\n");
    CHECK_THAT(key, ContainsSubstring("/etc/scxd/test.toml:1:128: a dotted key or table header "
                                      "with more than 64 parts"));
    CHECK_THAT(parse_error("[" + deep + "]\n"), ContainsSubstring("more than 64 parts"));
    CHECK_THAT(parse_error("[[" + deep + "]]\n"), ContainsSubstring("more than 64 parts"));
    CHECK_THAT(parse_error("x = { " + deep + " = 1 }\n"), ContainsSubstring("more than 64 parts"));
    // Dots in strings, comments and values are not key parts.
    const std::string dots(1000, '.');
    const auto ok = parse_ok("# " + dots + "\nstats_socket = \"/run/" + dots.substr(0, 90) +
                             "\"\npolicy_dirs = ['''" + dots + "''', \"\\\"" + dots +
                             "\"]\n[policy.weighted]\nratios = [0.5, 1.5, 2.5, 3.5]\n");
    CHECK(ok.policies.at("weighted").size() == 4);
    // 64 parts are fine.
    std::string limit = "k";
    for (int i = 1; i < 64; ++i)
        limit += ".k";
    CHECK(parse_ok("[policy.fifo]\n" + limit + " = 1\n").policies.at("fifo").size() == 1);
}
