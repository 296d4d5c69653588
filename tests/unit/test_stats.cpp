// The stats socket: what `scxd stats` prints (JSON keys and escaping, the table) and the
// server/client pair over a real Unix socket in a temporary directory, including the start-up
// rules (a live daemon's socket is refused, a stale one is replaced).
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "stats/client.hpp"
#include "stats/server.hpp"
#include "stats/snapshot.hpp"
#include "stats/socket.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using scxd::StatsServer;
using scxd::StatsSnapshot;

// The JSON keys `scxd stats --json` promises to scripts.
const std::vector<std::string> json_keys{
    "queued",
    "scheduled",
    "user_dispatches",
    "kernel_dispatches",
    "cancel_dispatches",
    "bounce_dispatches",
    "failed_dispatches",
    "congested",
    "page_faults",
    "restarts",
    "policy",
    "daemon_dispatches",
    "heartbeat_kicks",
    "wakeup_preempts",
    "kernel_requeues",
    "kernel_wakeups",
    "idle_claims",
    "migrations_avoided",
    "exits",
    "policy_swaps",
    "policy_rejected",
    "invalid_decisions",
    "invalid_cpus",
    "policy_fallbacks",
    "ring_full",
    "loop_passes",
    "mode",
    "uptime_ms",
    "nr_cpus",
};

StatsSnapshot sample()
{
    StatsSnapshot s;
    s.counters.queued = 101;
    s.counters.scheduled = 102;
    s.counters.user_dispatches = 103;
    s.counters.page_faults = 104;
    s.counters.heartbeat_kicks = 105;
    s.counters.loop_passes = 123456789;
    s.policy = "fifo";
    s.mode = "builtin-idle";
    s.uptime_ms = 3'723'456; // 1:02:03
    s.nr_cpus = 8;
    return s;
}

// A fresh directory, removed with its contents; short, since socket paths are limited
// to 107 bytes.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl = "/tmp/scxd-stats-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    [[nodiscard]] const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

std::unique_ptr<StatsServer> start_server(const fs::path &path, StatsServer::Provider provider)
{
    auto server = StatsServer::start(path, std::move(provider));
    if (!server)
        FAIL("StatsServer::start: " << server.error().message);
    return std::move(server).value();
}

// What a client that skips query_stats gets: send raw bytes, read until the server closes.
std::string raw_exchange(const fs::path &path, const std::string &request)
{
    auto addr = scxd::unix_address(path);
    REQUIRE(addr.ok());
    scxd::Connection c = scxd::connect_unix(*addr, std::chrono::milliseconds(2000));
    REQUIRE(c.fd);
    REQUIRE(::send(c.fd.get(), request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    std::string reply;
    char buf[512];
    for (ssize_t n; (n = ::recv(c.fd.get(), buf, sizeof(buf), 0)) > 0;)
        reply.append(buf, static_cast<std::size_t>(n));
    return reply;
}

// A socket file nobody listens on, as a daemon that was killed leaves it.
void make_stale_socket(const fs::path &path)
{
    auto addr = scxd::unix_address(path);
    REQUIRE(addr.ok());
    scxd::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    REQUIRE(fd);
    REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr *>(&*addr), sizeof(*addr)) == 0);
}

mode_t permissions(const fs::path &path)
{
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("to_json is one flat object with every key, in one line")
{
    const std::string json = scxd::to_json(sample());
    REQUIRE(json.front() == '{');
    REQUIRE(json.back() == '}');
    REQUIRE(json.find('\n') == std::string::npos);
    for (const auto &key : json_keys) {
        INFO(key);
        const std::string quoted = "\"" + key + "\":";
        CHECK(json.find(quoted) != std::string::npos);
        CHECK(json.find(quoted) == json.rfind(quoted));
    }
    CHECK(json.find(",,") == std::string::npos);
    CHECK(json.find("{,") == std::string::npos);
    CHECK(json.find(",}") == std::string::npos);
    CHECK_THAT(json, StartsWith("{\"queued\":101,\"scheduled\":102,\"user_dispatches\":103,"));
    CHECK_THAT(json, ContainsSubstring("\"page_faults\":104,"));
    CHECK_THAT(json, ContainsSubstring("\"heartbeat_kicks\":105,"));
    CHECK_THAT(json, ContainsSubstring("\"loop_passes\":123456789,"));
    CHECK_THAT(json, ContainsSubstring("\"congested\":0,"));
    CHECK_THAT(json, ContainsSubstring("\"policy\":\"fifo\","));
    CHECK_THAT(json, ContainsSubstring("\"mode\":\"builtin-idle\","));
    CHECK_THAT(json, ContainsSubstring("\"uptime_ms\":3723456,\"nr_cpus\":8}"));
}

TEST_CASE("to_json escapes quotes, backslashes and control characters in strings")
{
    StatsSnapshot s = sample();
    s.policy = "my \"best\"\\policy\nline2\t\x01";
    s.mode = "caf\xc3\xa9"; // UTF-8 passes through untouched
    const std::string json = scxd::to_json(s);
    CHECK_THAT(json, ContainsSubstring(R"("policy":"my \"best\"\\policy\nline2\t\u0001",)"));
    CHECK_THAT(json, ContainsSubstring("\"mode\":\"caf\xc3\xa9\","));
    CHECK(json.find('\n') == std::string::npos);
}

TEST_CASE("to_table is two aligned columns with context first")
{
    const std::string table = scxd::to_table(sample());
    REQUIRE(table.back() == '\n');
    std::vector<std::string> lines;
    for (std::size_t at = 0, nl; (nl = table.find('\n', at)) != std::string::npos; at = nl + 1)
        lines.push_back(table.substr(at, nl - at));
    REQUIRE(lines.size() == json_keys.size()); // uptime_ms shows as "uptime"
    for (const auto &line : lines) {
        INFO(line);
        CHECK(line.size() == lines.front().size()); // names padded, values right-aligned
    }
    CHECK_THAT(lines[0], StartsWith("policy ") && Catch::Matchers::EndsWith(" fifo"));
    CHECK_THAT(lines[1], StartsWith("mode ") && Catch::Matchers::EndsWith(" builtin-idle"));
    CHECK_THAT(lines[2], StartsWith("uptime ") && Catch::Matchers::EndsWith(" 1:02:03"));
    CHECK_THAT(lines[3], StartsWith("nr_cpus ") && Catch::Matchers::EndsWith(" 8"));
    CHECK_THAT(lines[4], StartsWith("queued ") && Catch::Matchers::EndsWith(" 101"));
    CHECK_THAT(table, ContainsSubstring("\nloop_passes "));
    CHECK_THAT(table, ContainsSubstring(" 123456789\n"));
}

TEST_CASE("a stats server answers json and table over its socket")
{
    TempDir tmp;
    const fs::path sock = tmp.path() / "run" / "scxd" / "stats.sock";
    std::atomic<int> calls{0};
    auto server = start_server(sock, [&] {
        ++calls;
        return sample();
    });

    SECTION("the parent directories are created reachable, the socket writable by all")
    {
        CHECK(permissions(tmp.path() / "run") == 0755);
        CHECK(permissions(sock.parent_path()) == 0755);
        CHECK(permissions(sock) == 0666);
    }
    SECTION("json")
    {
        auto reply = scxd::query_stats(sock, "json");
        REQUIRE(reply.ok());
        CHECK(*reply == scxd::to_json(sample()) + "\n");
        CHECK(calls == 1);
    }
    SECTION("table")
    {
        auto reply = scxd::query_stats(sock, "table");
        REQUIRE(reply.ok());
        CHECK(*reply == scxd::to_table(sample()));
    }
    SECTION("one request after another")
    {
        for (int i = 0; i < 20; ++i)
            REQUIRE(scxd::query_stats(sock, i % 2 ? "json" : "table").ok());
        CHECK(calls == 20);
    }
    SECTION("an unknown request gets an error line and no snapshot")
    {
        CHECK_THAT(raw_exchange(sock, "yaml\n"), StartsWith("error: unknown request 'yaml'"));
        CHECK(calls == 0);
    }
    SECTION("a request without the newline counts once the client shuts its side")
    {
        auto addr = scxd::unix_address(sock);
        REQUIRE(addr.ok());
        scxd::Connection c = scxd::connect_unix(*addr, std::chrono::milliseconds(2000));
        REQUIRE(c.fd);
        REQUIRE(::send(c.fd.get(), "json", 4, MSG_NOSIGNAL) == 4);
        REQUIRE(::shutdown(c.fd.get(), SHUT_WR) == 0);
        char buf[8] = {};
        CHECK(::recv(c.fd.get(), buf, 1, 0) == 1);
        CHECK(buf[0] == '{');
    }
    SECTION("a client that never sends is dropped, and others are still served")
    {
        auto addr = scxd::unix_address(sock);
        REQUIRE(addr.ok());
        scxd::Connection silent = scxd::connect_unix(*addr, std::chrono::milliseconds(2000));
        REQUIRE(silent.fd);
        const auto t0 = std::chrono::steady_clock::now();
        auto reply = scxd::query_stats(sock, "json");
        const auto waited = std::chrono::steady_clock::now() - t0;
        REQUIRE(reply.ok());
        CHECK(waited < 5 * StatsServer::client_timeout);
        char c = 0;
        CHECK(::recv(silent.fd.get(), &c, 1, 0) == 0); // closed without an answer
    }
    SECTION("the destructor removes the socket file")
    {
        server.reset();
        CHECK_FALSE(fs::exists(fs::symlink_status(sock)));
        auto reply = scxd::query_stats(sock, "json");
        REQUIRE_FALSE(reply.ok());
    }
}

TEST_CASE("a provider that throws costs one error reply, not the daemon")
{
    TempDir tmp;
    const fs::path sock = tmp.path() / "stats.sock";
    std::atomic<bool> fail{true};
    auto server = start_server(sock, [&]() -> StatsSnapshot {
        if (fail)
            throw std::runtime_error("no snapshot yet");
        return sample();
    });
    auto reply = scxd::query_stats(sock, "json");
    REQUIRE_FALSE(reply.ok());
    CHECK_THAT(reply.error().message, ContainsSubstring("refused the request: no snapshot yet"));
    fail = false;
    CHECK(scxd::query_stats(sock, "json").ok());
}

TEST_CASE("a second server on a live daemon's socket is refused")
{
    TempDir tmp;
    const fs::path sock = tmp.path() / "stats.sock";
    auto first = start_server(sock, sample);
    auto second = StatsServer::start(sock, sample);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message == "another scxd is already serving stats at " + sock.string());
    // ... and the refusal left the first one alone.
    CHECK(scxd::query_stats(sock, "json").ok());
}

TEST_CASE("a stale socket file is replaced; anything else at the path is refused")
{
    TempDir tmp;
    const fs::path sock = tmp.path() / "stats.sock";

    SECTION("stale socket")
    {
        make_stale_socket(sock);
        REQUIRE(fs::is_socket(sock));
        REQUIRE_FALSE(scxd::query_stats(sock, "json").ok());
        auto server = start_server(sock, sample);
        auto reply = scxd::query_stats(sock, "json");
        REQUIRE(reply.ok());
        CHECK(*reply == scxd::to_json(sample()) + "\n");
    }
    SECTION("regular file")
    {
        std::ofstream(sock) << "not a socket\n";
        auto server = StatsServer::start(sock, sample);
        REQUIRE_FALSE(server.ok());
        CHECK_THAT(server.error().message, ContainsSubstring("exists and is not a socket"));
        CHECK(fs::is_regular_file(sock));
    }
    SECTION("path too long for sun_path")
    {
        auto server = StatsServer::start(tmp.path() / std::string(120, 'x'), sample);
        REQUIRE_FALSE(server.ok());
        CHECK_THAT(server.error().message, ContainsSubstring("must be 1 to 107 bytes long"));
    }
}

TEST_CASE("query_stats without a daemon says so in one line")
{
    TempDir tmp;
    const fs::path sock = tmp.path() / "stats.sock";
    auto reply = scxd::query_stats(sock, "json");
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.error().message == "cannot reach the daemon at " + sock.string() +
                                       " (is scxd running?): No such file or directory");

    auto bad = scxd::query_stats(sock, "xml");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, ContainsSubstring("unknown stats format 'xml'"));
}
