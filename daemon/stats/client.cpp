#include "stats/client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "stats/socket.hpp"

namespace scxd {
namespace {

constexpr std::size_t max_reply = std::size_t{64} * 1024; // a snapshot is well under 1 KiB

// `err`: the errno of a failed send.
Status send_request(int fd, std::string_view format, const std::filesystem::path &path, int &err)
{
    const std::string line = std::string(format) + "\n";
    // The request fits any socket buffer: one send either takes all of it or fails.
    err = 0;
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
        err = errno;
        return Error{
            fmt::format("cannot talk to the daemon at {}: {}", path.string(), std::strerror(err))};
    }
    return Ok{};
}

Result<std::string> read_reply(int fd, const std::filesystem::path &path)
{
    std::string reply;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n == 0)
            return reply;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return Error{fmt::format("the daemon at {} did not answer within {} ms", path.string(),
                                     stats_query_timeout.count())};
        if (n < 0)
            return Error{fmt::format("cannot read from the daemon at {}: {}", path.string(),
                                     std::strerror(errno))};
        reply.append(buf, static_cast<std::size_t>(n));
        if (reply.size() > max_reply)
            return Error{
                fmt::format("the daemon at {} sent more than {} bytes", path.string(), max_reply)};
    }
}

// One connection, one request, one reply. `dropped`: the daemon closed the connection before
// it answered, which it does to a client slower than StatsServer::client_timeout (a busy
// machine can keep a just-started `scxd stats` off the CPU that long): worth another try.
Result<std::string> query_once(const sockaddr_un &addr, std::string_view format,
                               const std::filesystem::path &path, bool &dropped)
{
    dropped = false;
    Connection c = connect_unix(addr, stats_query_timeout);
    if (!c.fd)
        return Error{fmt::format("cannot reach the daemon at {} (is scxd running?): {}",
                                 path.string(), std::strerror(c.error))};
    int err = 0;
    if (auto st = send_request(c.fd.get(), format, path, err); !st) {
        dropped = err == EPIPE || err == ECONNRESET;
        return st.error();
    }
    auto reply = read_reply(c.fd.get(), path);
    if (!reply)
        return reply;
    if (reply->empty()) {
        dropped = true;
        return Error{
            fmt::format("the daemon at {} closed the connection without an answer", path.string())};
    }
    return reply;
}

} // namespace

Result<std::string> query_stats(const std::filesystem::path &socket_path, std::string_view format)
{
    if (format != "json" && format != "table")
        return Error{fmt::format("unknown stats format '{}': json or table", format)};
    auto addr = unix_address(socket_path);
    if (!addr)
        return addr.error();
    constexpr int attempts = 3;
    bool dropped = false;
    auto reply = query_once(*addr, format, socket_path, dropped);
    for (int i = 1; i < attempts && !reply && dropped; ++i)
        reply = query_once(*addr, format, socket_path, dropped);
    if (reply && reply->starts_with("error: "))
        return Error{fmt::format("the daemon at {} refused the request: {}", socket_path.string(),
                                 reply->substr(7, reply->find('\n') - 7))};
    return reply;
}

} // namespace scxd
