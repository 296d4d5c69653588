// The loader's ABI checks on bytes (plugin/entry_check.hpp), as the fuzz target drives them:
// a good image passes; each kind of damage is one line naming the file; the reader takes only
// what the entry claims.
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "plugin/entry_check.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {

int fake_create(const scxd_host *, void **, char *, size_t) { return 0; }
int fake_enqueue(void *, const scxd_task *) { return 0; }
int fake_pick(void *, scxd_decision *) { return 0; }

struct Plugin {
    scxd_policy_ops ops{};
    scxd_policy_entry entry{};
    Plugin()
    {
        ops.struct_size = sizeof ops;
        ops.on_enqueue = fake_enqueue;
        ops.pick = fake_pick;
        entry = {SCXD_POLICY_ABI_MAJOR,
                 SCXD_POLICY_ABI_MINOR,
                 sizeof entry,
                 0,
                 "fifo",
                 "first in, first out",
                 "1.0",
                 &ops,
                 fake_create};
    }
};

std::string refusal(const scxd_policy_entry &e)
{
    const auto st = scxd::check_entry_image(scxd::read_entry_image(&e), "p.so");
    REQUIRE_FALSE(st.ok());
    const auto &m = st.error().message;
    CHECK(m.starts_with("p.so: "));
    CHECK(m.find('\n') == std::string::npos);
    return m;
}

} // namespace

TEST_CASE("entry check: a good entry passes, read from memory", "[plugin]")
{
    Plugin p;
    const auto image = scxd::read_entry_image(&p.entry);
    CHECK(image.entry.size() == sizeof(scxd_policy_entry));
    CHECK(image.ops.size() == sizeof(scxd_policy_ops));
    CHECK(image.name == "fifo");
    CHECK(scxd::check_entry_image(image, "p.so").ok());
}

TEST_CASE("entry check: each kind of damage is refused with one line", "[plugin]")
{
    Plugin p;
    SECTION("another major")
    {
        p.entry.abi_major = 2;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("built for policy ABI v2"));
    }
    SECTION("entry too short")
    {
        p.entry.struct_size = 8;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("scxd_policy_entry_v1 is 8 bytes"));
    }
    SECTION("no name, bad name, name too long")
    {
        p.entry.name = nullptr;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("policy name must be 1-64"));
        p.entry.name = "Fifo";
        CHECK_THAT(refusal(p.entry), ContainsSubstring("policy name must be 1-64"));
        const std::string long_name(65, 'a');
        p.entry.name = long_name.c_str();
        CHECK_THAT(refusal(p.entry), ContainsSubstring("policy name must be 1-64"));
    }
    SECTION("a version or description that would break the `scxd policies` table")
    {
        p.entry.version = "1.0\n2.0";
        CHECK_THAT(refusal(p.entry), ContainsSubstring("version string"));
        p.entry.version = nullptr; // absent is fine
        const std::string long_desc(300, 'x');
        p.entry.description = long_desc.c_str();
        CHECK_THAT(refusal(p.entry), ContainsSubstring("description"));
    }
    SECTION("no create, no ops, short ops, no pick")
    {
        p.entry.create = nullptr;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("no create function"));
        p.entry.create = fake_create;
        p.entry.ops = nullptr;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("no ops table"));
        p.entry.ops = &p.ops;
        p.ops.struct_size = 4;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("scxd_policy_ops is 4 bytes"));
        p.ops.struct_size = sizeof p.ops;
        p.ops.pick = nullptr;
        CHECK_THAT(refusal(p.entry), ContainsSubstring("lacks on_enqueue or pick"));
    }
}

TEST_CASE("entry check: images shorter than they claim, and unaligned ones", "[plugin]")
{
    Plugin p;
    // The bytes at an odd address, and cut short of what struct_size says.
    std::vector<std::byte> buf(sizeof p.entry + 1);
    std::memcpy(buf.data() + 1, &p.entry, sizeof p.entry);
    auto image = scxd::read_entry_image(&p.entry);
    image.entry = std::span(buf).subspan(1);
    CHECK(scxd::check_entry_image(image, "p.so").ok());
    image.entry = image.entry.first(20);
    CHECK_FALSE(scxd::check_entry_image(image, "p.so").ok());
    image.entry = image.entry.first(3);
    CHECK_FALSE(scxd::check_entry_image(image, "p.so").ok());
    image = scxd::read_entry_image(&p.entry);
    image.ops = image.ops.first(2);
    CHECK_FALSE(scxd::check_entry_image(image, "p.so").ok());
}
