// Loading plugins: every ABI check refuses with one line that names the file and says what to
// do; the good plugin sees the host the daemon built; policy names resolve to files; the
// host's typed parameters follow policy.h.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include "temp_dir.hpp"
#include <catch2/matchers/catch_matchers_string.hpp>

#include "fixture_probe.h"
#include "plugin/host.hpp"
#include "plugin/plugin.hpp"

#ifndef SCXD_TEST_FIXTURE_DIR
#error "tests/meson.build passes the directory of the fixture plugins as SCXD_TEST_FIXTURE_DIR"
#endif

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

namespace {

fs::path fixture(const std::string &name)
{
    return fs::path(SCXD_TEST_FIXTURE_DIR) / (name + ".so");
}

using scxd::test::TempDir;

void touch(const fs::path &p, const std::string &content = "")
{
    std::ofstream(p) << content;
    REQUIRE(fs::is_regular_file(p));
}

// What every user-facing load error must be: one line, naming the file.
void check_one_line(const std::string &message, const fs::path &file)
{
    INFO("error: " << message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
    CHECK_THAT(message, ContainsSubstring(file.string()));
}

std::string open_error(const fs::path &file)
{
    auto plugin = scxd::Plugin::open(file);
    REQUIRE_FALSE(plugin.ok());
    check_one_line(plugin.error().message, file);
    return plugin.error().message;
}

std::string create_error(const fs::path &file)
{
    auto plugin = scxd::Plugin::open(file);
    INFO((plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    auto inst = scxd::PolicyInstance::create(*plugin, scxd::HostConfig{});
    REQUIRE_FALSE(inst.ok());
    check_one_line(inst.error().message, file);
    return inst.error().message;
}

// The good fixture's probe, through a handle of our own; nullptr when it is not loaded.
// Closing the handle is the caller's job (it pins the library while open).
void *loaded_handle(const fs::path &file)
{
    return dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
}

} // namespace

TEST_CASE("plugin: a good plugin opens, creates and destroys", "[plugin]")
{
    const auto file = fixture("good");
    auto plugin = scxd::Plugin::open(file);
    INFO((plugin ? "" : plugin.error().message));
    REQUIRE(plugin.ok());
    CHECK((*plugin)->name() == "good");
    CHECK((*plugin)->path() == file);
    CHECK(std::string((*plugin)->entry().description) == "a minimal valid plugin");

    scxd::HostConfig config;
    config.nr_cpus = 6;
    config.max_tasks = 321;
    config.default_slice_ns = 2'500'000;
    config.params["answer"] = std::int64_t{42};
    auto inst = scxd::PolicyInstance::create(*plugin, config);
    INFO((inst ? "" : inst.error().message));
    REQUIRE(inst.ok());
    plugin->reset(); // the instance alone must keep the plugin loaded

    void *handle = loaded_handle(file);
    REQUIRE(handle != nullptr);
    const auto *probe = static_cast<const fixture_probe *>(dlsym(handle, FIXTURE_PROBE_SYMBOL));
    REQUIRE(probe != nullptr);
    const auto destroys_before = probe->destroys;
    CHECK(probe->host_struct_size == sizeof(scxd_host));
    CHECK(probe->nr_cpus == 6);
    CHECK(probe->max_tasks == 321);
    CHECK(probe->default_slice_ns == 2'500'000);
    CHECK(probe->answer_rc == 0);
    CHECK(probe->answer == 42);

    const auto ref = (*inst)->ref();
    CHECK(ref.valid());
    CHECK(ref.name() == "good");
    scxd_decision d{};
    CHECK_FALSE(ref.pick(d));
    CHECK(ref.nr_pending() == 0); // NULL nr_pending: "never holds tasks back"

    inst->reset();
    CHECK(probe->destroys == destroys_before + 1);
    dlclose(handle);
    // Nothing holds it any more: the daemon closed its handle too.
    void *again = loaded_handle(file);
    CHECK(again == nullptr);
    if (again != nullptr)
        dlclose(again);
}

TEST_CASE("plugin: a missing file is refused with a hint", "[plugin]")
{
    const auto file = fixture("does-not-exist");
    const auto msg = open_error(file);
    CHECK_THAT(msg, ContainsSubstring("no such file"));
    CHECK_THAT(msg, ContainsSubstring("scxd policies"));
}

TEST_CASE("plugin: a file that is not a shared object is refused", "[plugin]")
{
    TempDir dir;
    const auto file = dir / "junk.so";
    touch(file, "this is not an ELF file\n");
    CHECK_THAT(open_error(file), ContainsSubstring("cannot load"));
}

TEST_CASE("plugin: a shared object without the entry symbol is refused", "[plugin]")
{
    const auto msg = open_error(fixture("no_entry"));
    CHECK_THAT(msg, ContainsSubstring(SCXD_POLICY_ENTRY_SYMBOL));
    CHECK_THAT(msg, ContainsSubstring("SCXD_POLICY_DEFINE"));
}

TEST_CASE("plugin: an entry for another ABI major is refused with 'rebuild'", "[plugin]")
{
    SECTION("exported as scxd_policy_entry_v2")
    {
        const auto msg = open_error(fixture("entry_v2"));
        CHECK_THAT(msg, ContainsSubstring("v2"));
        CHECK_THAT(msg, ContainsSubstring("rebuild"));
    }
    SECTION("abi_major = 2 in scxd_policy_entry_v1")
    {
        const auto msg = open_error(fixture("major2"));
        CHECK_THAT(msg, ContainsSubstring("v2"));
        CHECK_THAT(msg, ContainsSubstring("rebuild"));
    }
}

TEST_CASE("plugin: tables shorter than ABI 1.0 needs are refused with 'rebuild'", "[plugin]")
{
    SECTION("the entry")
    {
        const auto msg = open_error(fixture("short_entry"));
        CHECK_THAT(msg, ContainsSubstring("scxd_policy_entry"));
        CHECK_THAT(msg, ContainsSubstring("rebuild"));
    }
    SECTION("the ops table")
    {
        const auto msg = open_error(fixture("short_ops"));
        CHECK_THAT(msg, ContainsSubstring("scxd_policy_ops"));
        CHECK_THAT(msg, ContainsSubstring("rebuild"));
    }
}

TEST_CASE("plugin: ops without pick are refused", "[plugin]")
{
    CHECK_THAT(open_error(fixture("no_pick")), ContainsSubstring("pick"));
}

TEST_CASE("plugin: a name outside [a-z0-9_-] is refused", "[plugin]")
{
    CHECK_THAT(open_error(fixture("bad_name")), ContainsSubstring("[a-z0-9_-]"));
}

TEST_CASE("plugin: a failing create() is reported with the plugin's reason", "[plugin]")
{
    const auto msg = create_error(fixture("create_fails"));
    CHECK_THAT(msg, ContainsSubstring("create-fails"));
    CHECK_THAT(msg, ContainsSubstring("queue size 7 is too small for this policy"));
}

// Regression: a plugin's multi-line reason must not break the daemon's one-line errors.
TEST_CASE("plugin: a multi-line create() reason still gives a one-line error", "[plugin]")
{
    const auto msg = create_error(fixture("create_multiline"));
    CHECK_THAT(msg, ContainsSubstring("first line"));
    CHECK_THAT(msg, ContainsSubstring("second line"));
}

// Regression: a relative path without '/' passes the is_regular_file check against the
// working directory, so dlopen() must get it absolute, not search the library path.
TEST_CASE("plugin: a relative file name opens the file in the working directory", "[plugin]")
{
    TempDir dir;
    fs::copy_file(fixture("good"), dir / "reloc.so");
    const auto cwd = fs::current_path();
    fs::current_path(dir.path());
    auto plugin = scxd::Plugin::open("reloc.so");
    fs::current_path(cwd);
    INFO((plugin ? "" : plugin.error().message));
    CHECK(plugin.ok());
}

TEST_CASE("validate_entry: checks that need no file", "[plugin]")
{
    static const scxd_policy_ops ops = {
        sizeof(scxd_policy_ops),
        0,
        [](void *, const scxd_task *) { return 0; },
        [](void *, scxd_decision *) { return 0; },
        nullptr,
        nullptr,
        nullptr,
    };
    auto create = [](const scxd_host *, void **, char *, std::size_t) { return 0; };
    scxd_policy_entry e{SCXD_POLICY_ABI_MAJOR,
                        SCXD_POLICY_ABI_MINOR,
                        sizeof(scxd_policy_entry),
                        0,
                        "ok",
                        "d",
                        "1",
                        &ops,
                        create};
    CHECK(scxd::validate_entry(&e, "mem").ok());

    auto refused = [&](const scxd_policy_entry &bad, const char *what) {
        const auto st = scxd::validate_entry(&bad, "mem:bad");
        REQUIRE_FALSE(st.ok());
        CHECK_THAT(st.error().message, ContainsSubstring("mem:bad"));
        CHECK_THAT(st.error().message, ContainsSubstring(what));
    };
    auto no_ops = e;
    no_ops.ops = nullptr;
    refused(no_ops, "ops");
    auto no_create = e;
    no_create.create = nullptr;
    refused(no_create, "create");
    auto empty_name = e;
    empty_name.name = "";
    refused(empty_name, "name");
    auto null_name = e;
    null_name.name = nullptr;
    refused(null_name, "name");
    const std::string long_name(65, 'a');
    auto too_long = e;
    too_long.name = long_name.c_str();
    refused(too_long, "name");
    auto upper = e;
    upper.name = "Fifo";
    refused(upper, "name");

    // A newer minor with a bigger entry is fine: members only get appended.
    auto newer = e;
    newer.abi_minor = SCXD_POLICY_ABI_MINOR + 1;
    newer.struct_size = sizeof(scxd_policy_entry) + 16;
    CHECK(scxd::validate_entry(&newer, "mem").ok());
}

TEST_CASE("resolve_policy: names, paths and the installed list", "[plugin]")
{
    TempDir first;
    TempDir second;
    touch(first / "alpha.so");
    touch(second / "alpha.so");
    touch(second / "beta.so");
    touch(second / "notes.txt");
    const std::vector<fs::path> dirs = {first.path(), second.path()};

    SECTION("a name is DIR/NAME.so in the first dir that has it")
    {
        auto alpha = scxd::resolve_policy("alpha", dirs);
        REQUIRE(alpha.ok());
        CHECK(*alpha == first / "alpha.so");
        auto beta = scxd::resolve_policy("beta", dirs);
        REQUIRE(beta.ok());
        CHECK(*beta == second / "beta.so");
    }
    SECTION("an unknown name lists what is installed")
    {
        auto r = scxd::resolve_policy("gamma", dirs);
        REQUIRE_FALSE(r.ok());
        const auto &msg = r.error().message;
        CHECK(msg.find('\n') == std::string::npos);
        CHECK_THAT(msg, ContainsSubstring("'gamma'"));
        CHECK_THAT(msg, ContainsSubstring("alpha"));
        CHECK_THAT(msg, ContainsSubstring("beta"));
        CHECK_THAT(msg, ContainsSubstring(first.path().string()));
        CHECK_THAT(msg, !ContainsSubstring("notes"));
    }
    SECTION("nothing installed says so")
    {
        TempDir empty;
        auto r = scxd::resolve_policy("fifo", {empty.path()});
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, ContainsSubstring("none"));
    }
    SECTION("anything with a '/' or ending in .so is a path, used as is")
    {
        for (const std::string p : {"./alpha", "/nonexistent/x.so", "sub/beta", "alpha.so"}) {
            auto r = scxd::resolve_policy(p, dirs);
            REQUIRE(r.ok());
            CHECK(*r == fs::path(p));
        }
    }
    SECTION("an empty name is refused")
    {
        auto r = scxd::resolve_policy("", dirs);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, ContainsSubstring("--policy"));
    }
}

TEST_CASE("list_policy_files: *.so files of every dir, sorted by name", "[plugin]")
{
    TempDir first;
    TempDir second;
    touch(first / "zeta.so");
    touch(first / "readme.md");
    touch(second / "alpha.so");
    touch(second / "mid.so");
    fs::create_directory(second / "dir.so"); // a directory is not a plugin

    const auto files =
        scxd::list_policy_files({first.path(), first / "missing-dir", second.path()});
    std::vector<std::string> names;
    for (const auto &f : files)
        names.push_back(f.filename().string());
    CHECK(names == std::vector<std::string>{"alpha.so", "mid.so", "zeta.so"});
    REQUIRE(files.size() == 3);
    CHECK(files[0] == second / "alpha.so");
    CHECK(scxd::list_policy_files({}).empty());
}

TEST_CASE("host: the table the daemon hands to create()", "[host]")
{
    scxd::HostConfig config;
    config.nr_cpus = 8;
    config.max_tasks = 100;
    config.default_slice_ns = 1'000'000;
    const scxd::Host host("demo", config);
    const scxd_host *h = host.abi();

    CHECK(h->struct_size == sizeof(scxd_host));
    CHECK(h->abi_minor == SCXD_POLICY_ABI_MINOR);
    CHECK(h->nr_cpus == 8);
    CHECK(h->max_tasks == 100);
    CHECK(h->default_slice_ns == 1'000'000);
    CHECK(host.policy_name() == "demo");
    REQUIRE(h->now_ns != nullptr);
    const auto t0 = h->now_ns(h);
    CHECK(t0 > 0);
    CHECK(h->now_ns(h) >= t0);
    REQUIRE(h->log != nullptr);
    h->log(h, SCXD_LOG_DEBUG, "below the default log level: prints nothing");
}

TEST_CASE("host: typed parameters return 0 / 1 / -1 as policy.h documents", "[host]")
{
    scxd::HostConfig config;
    config.params["int"] = std::int64_t{-7};
    config.params["float"] = 2.5;
    config.params["text"] = std::string("hello");
    const scxd::Host host("demo", config);
    const scxd_host *h = host.abi();

    // "absent" and "wrong type" must leave the policy's default alone.
    std::int64_t i = 123;
    double f = 1.5;
    const char *s = "default";

    SECTION("param_i64")
    {
        CHECK(h->param_i64(h, "int", &i) == 0);
        CHECK(i == -7);
        i = 123;
        CHECK(h->param_i64(h, "absent", &i) == 1);
        CHECK(h->param_i64(h, "float", &i) == -1);
        CHECK(h->param_i64(h, "text", &i) == -1);
        CHECK(h->param_i64(h, nullptr, &i) == 1);
        CHECK(i == 123);
    }
    SECTION("param_f64")
    {
        CHECK(h->param_f64(h, "float", &f) == 0);
        CHECK(f == 2.5);
        CHECK(h->param_f64(h, "int", &f) == 0); // an integer is a fine float
        CHECK(f == -7.0);
        f = 1.5;
        CHECK(h->param_f64(h, "absent", &f) == 1);
        CHECK(h->param_f64(h, "text", &f) == -1);
        CHECK(f == 1.5);
    }
    SECTION("param_str")
    {
        CHECK(h->param_str(h, "text", &s) == 0);
        CHECK(std::string(s) == "hello");
        s = "default";
        CHECK(h->param_str(h, "absent", &s) == 1);
        CHECK(h->param_str(h, "int", &s) == -1);
        CHECK(h->param_str(h, "float", &s) == -1);
        CHECK(std::string(s) == "default");
    }
}
