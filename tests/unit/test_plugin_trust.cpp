// Plugin trust: the file and every directory above it owned by a trusted uid and not
// group/world-writable; symlinks stay in their directory. The trusted owners are injected, so these
// run without root: the test's own uid stands in for root.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "plugin/trust.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using scxd::TrustRules;
using scxd::test::TempDir;

namespace {

// Root owns '/' and usually the directories down to $TMPDIR; the test's uid owns the rest.
TrustRules me_and_root(bool escape = false) { return TrustRules{{0, ::getuid()}, escape}; }

std::string refusal(const fs::path &file, const TrustRules &rules)
{
    auto st = scxd::check_plugin_trust(file, rules);
    REQUIRE_FALSE(st.ok());
    const auto &msg = st.error().message;
    INFO("error: " << msg);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THAT(msg, ContainsSubstring(file.string()));
    return msg;
}

void chmod_or_fail(const fs::path &p, mode_t mode) { REQUIRE(::chmod(p.c_str(), mode) == 0); }

} // namespace

TEST_CASE("trust: a plugin owned by a trusted uid in safe directories passes", "[trust]")
{
    TempDir tmp;
    const auto so = tmp.write("p.so", "x");
    chmod_or_fail(so, 0644);
    CHECK(scxd::check_plugin_trust(so, me_and_root()).ok());

    SECTION("a missing file is left to Plugin::open and its hint")
    {
        CHECK(scxd::check_plugin_trust(tmp / "absent.so", me_and_root()).ok());
    }
    SECTION("a symlink to a file in the same directory")
    {
        fs::create_symlink("p.so", tmp / "alias.so");
        CHECK(scxd::check_plugin_trust(tmp / "alias.so", me_and_root()).ok());
    }
}

TEST_CASE("trust: a plugin owned by an untrusted uid is refused", "[trust]")
{
    TempDir tmp;
    const auto so = tmp.write("p.so", "x");
    // Nobody but a uid that owns nothing here: the file is the first thing refused.
    const auto msg = refusal(so, TrustRules{{::getuid() + 4242}, false});
    CHECK_THAT(msg, ContainsSubstring("owned by uid"));
    CHECK_THAT(msg, ContainsSubstring("chown"));
}

TEST_CASE("trust: a group- or world-writable plugin is refused", "[trust]")
{
    TempDir tmp;
    const auto so = tmp.write("p.so", "x");
    chmod_or_fail(so, 0664);
    CHECK_THAT(refusal(so, me_and_root()), ContainsSubstring("chmod go-w " + so.string()));
    chmod_or_fail(so, 0646);
    CHECK_THAT(refusal(so, me_and_root()), ContainsSubstring("everyone"));
}

TEST_CASE("trust: a writable directory above the plugin is refused", "[trust]")
{
    TempDir tmp;
    fs::create_directories(tmp / "a" / "b");
    const auto so = tmp.write("a/b/p.so", "x");
    chmod_or_fail(so, 0644);
    chmod_or_fail(tmp / "a", 0777);
    const auto msg = refusal(so, me_and_root());
    CHECK_THAT(msg, ContainsSubstring((tmp / "a").string() + " is writable"));

    SECTION("unless it is sticky, like /tmp")
    {
        chmod_or_fail(tmp / "a", 01777);
        CHECK(scxd::check_plugin_trust(so, me_and_root()).ok());
    }
}

TEST_CASE("trust: a symlink out of its directory is refused unless root named it", "[trust]")
{
    TempDir tmp;
    fs::create_directories(tmp / "policies");
    fs::create_directories(tmp / "elsewhere");
    const auto real = tmp.write("elsewhere/p.so", "x");
    chmod_or_fail(real, 0644);
    const auto link = tmp / "policies" / "p.so";
    fs::create_symlink(real, link);

    CHECK_THAT(refusal(link, me_and_root()), ContainsSubstring("a symlink to " + real.string()));
    CHECK(scxd::check_plugin_trust(link, me_and_root(/*escape=*/true)).ok());

    SECTION("the target is still checked when the link may escape")
    {
        chmod_or_fail(real, 0666);
        CHECK_THAT(refusal(link, me_and_root(true)), ContainsSubstring(real.string()));
    }
}

TEST_CASE("trust: a symlinked directory is checked at its target", "[trust]")
{
    TempDir tmp;
    fs::create_directories(tmp / "real");
    const auto so = tmp.write("real/p.so", "x");
    chmod_or_fail(so, 0644);
    fs::create_directory_symlink(tmp / "real", tmp / "via");
    CHECK(scxd::check_plugin_trust(tmp / "via" / "p.so", me_and_root()).ok());
    chmod_or_fail(tmp / "real", 0775);
    CHECK_THAT(refusal(tmp / "via" / "p.so", me_and_root()),
               ContainsSubstring((tmp / "real").string()));
}

TEST_CASE("trust: the production rules trust root and the user running scxd", "[trust]")
{
    const auto rules = scxd::default_trust_rules(true);
    REQUIRE_FALSE(rules.owners.empty());
    CHECK(rules.owners.front() == 0);
    if (::geteuid() == 0) {
        CHECK(rules.owners.size() == 1);
        CHECK(rules.symlink_may_escape);
    } else {
        CHECK(rules.owners.size() == 2);
        CHECK(rules.owners.back() == ::geteuid());
        CHECK_FALSE(rules.symlink_may_escape);
    }
    CHECK_FALSE(scxd::default_trust_rules(false).symlink_may_escape);
}

TEST_CASE("trust: open_trusted_plugin refuses before dlopen", "[trust]")
{
    TempDir tmp;
    const auto so = tmp.write("p.so", "not an ELF file");
    chmod_or_fail(so, 0666);
    auto p = scxd::open_trusted_plugin(so, me_and_root());
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(p.error().message,
               ContainsSubstring("writable")); // not dlopen's complaint
}
