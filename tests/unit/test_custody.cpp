// The custody table against a reference map, with the pid patterns the kernel produces
// (dense, sequential, reused) and the deletions that stress backward shifting.
#include <cstdint>
#include <map>

#include <catch2/catch_test_macros.hpp>

#include "core/custody.hpp"

namespace {

scxd_task task(std::int32_t pid, std::uint64_t cookie = 1)
{
    scxd_task t{};
    t.pid = pid;
    t.cookie = cookie;
    return t;
}

// Deterministic xorshift: the same sequence everywhere.
std::uint32_t next_rand(std::uint32_t &s)
{
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

} // namespace

TEST_CASE("custody insert, find, replace and erase", "[custody]")
{
    scxd::Custody c(16);
    CHECK(c.insert(task(5, 1)));
    CHECK(c.insert(task(5, 2))); // same pid: replaced, not added
    CHECK(c.size() == 1);
    REQUIRE(c.find(5) != nullptr);
    CHECK(c.find(5)->cookie == 2);
    CHECK(c.find(6) == nullptr);
    CHECK(c.find(0) == nullptr);
    CHECK(c.erase(5));
    CHECK_FALSE(c.erase(5));
    CHECK(c.size() == 0);
}

TEST_CASE("custody refuses past its capacity instead of growing", "[custody]")
{
    scxd::Custody c(16); // 64 slots, capacity 32
    std::int32_t pid = 1;
    while (c.insert(task(pid)))
        ++pid;
    CHECK(c.size() == 32);
    CHECK(c.erase(1));
    CHECK(c.insert(task(1000)));
}

TEST_CASE("custody matches a reference map under random inserts, erases and takes", "[custody]")
{
    scxd::Custody c(512);
    std::map<std::int32_t, std::uint64_t> ref;
    std::uint32_t seed = 0x12345678;
    for (int step = 0; step < 200000; ++step) {
        const auto pid = static_cast<std::int32_t>(1 + next_rand(seed) % 700);
        if (next_rand(seed) % 3 != 0 && ref.size() < 500) {
            const std::uint64_t cookie = next_rand(seed);
            REQUIRE(c.insert(task(pid, cookie)));
            ref[pid] = cookie;
        } else if (step % 2 == 0) {
            CHECK(c.erase(pid) == (ref.erase(pid) == 1));
        } else {
            // take: the cookie comes from the key array, which must move with the record.
            std::uint64_t cookie = 0;
            const auto it = ref.find(pid);
            REQUIRE(c.take(pid, cookie) == (it != ref.end()));
            if (it != ref.end()) {
                CHECK(cookie == it->second);
                ref.erase(it);
            }
        }
    }
    CHECK(c.size() == ref.size());
    for (const auto &[pid, cookie] : ref) {
        const scxd_task *t = c.find(pid);
        REQUIRE(t != nullptr);
        CHECK(t->cookie == cookie);
    }
    std::size_t seen = 0;
    c.for_each([&](const scxd_task &t) {
        ++seen;
        CHECK(ref.count(t.pid) == 1);
    });
    CHECK(seen == ref.size());
}

TEST_CASE("custody take gives the latest cookie and forgets the task", "[custody]")
{
    scxd::Custody c(16);
    CHECK(c.insert(task(7, 1)));
    CHECK(c.insert(task(7, 9))); // a newer enqueue of the same task
    std::uint64_t cookie = 0;
    CHECK(c.take(7, cookie));
    CHECK(cookie == 9);
    CHECK(c.size() == 0);
    CHECK(c.find(7) == nullptr);
    CHECK_FALSE(c.take(7, cookie));
    CHECK_FALSE(c.take(0, cookie));
    CHECK_FALSE(c.take(-3, cookie));
}
