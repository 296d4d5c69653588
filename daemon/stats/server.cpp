#include "stats/server.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace scxd {
namespace {

constexpr std::size_t max_request = 16; // "table\n" and then some
constexpr int listen_backlog = 16;

std::string errno_text(int err) { return std::strerror(err); }

// mkdir -p, but every directory we create gets 0755 whatever the umask: unprivileged
// `scxd stats` must be able to reach the socket inside.
Status make_dirs(const std::filesystem::path &dir)
{
    struct stat st {};
    if (dir.empty() || ::stat(dir.c_str(), &st) == 0)
        return Ok{};
    if (auto st_parent = make_dirs(dir.parent_path()); !st_parent)
        return st_parent;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return Error{fmt::format("cannot create {}: {}", dir.string(), errno_text(errno))};
    ::chmod(dir.c_str(), 0755);
    return Ok{};
}

// A socket file nobody listens on is left behind by a daemon that died; one somebody
// listens on belongs to a live daemon, and taking it over would hide that daemon's stats.
Status clear_stale_socket(const std::filesystem::path &path, const sockaddr_un &addr)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
        return errno == ENOENT
                   ? Status(Ok{})
                   : Error{fmt::format("cannot check {}: {}", path.string(), errno_text(errno))};
    if (!S_ISSOCK(st.st_mode))
        return Error{fmt::format("{} exists and is not a socket; remove it or choose another "
                                 "--stats-socket",
                                 path.string())};
    const Connection c = connect_unix(addr, StatsServer::client_timeout);
    if (c.error == 0 || c.error == EAGAIN || c.error == ETIMEDOUT)
        return Error{fmt::format("another scxd is already serving stats at {}", path.string())};
    if (c.error != ECONNREFUSED)
        return Error{fmt::format("cannot check {}: {}", path.string(), errno_text(c.error))};
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return Error{
            fmt::format("cannot remove the stale socket {}: {}", path.string(), errno_text(errno))};
    return Ok{};
}

// Non-blocking, so a client that vanishes between poll and accept cannot block the thread.
Result<UniqueFd> bind_listener(const std::filesystem::path &path, const sockaddr_un &addr)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return Error{fmt::format("cannot create a socket: {}", errno_text(errno))};
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
        return Error{fmt::format("cannot bind {}: {}", path.string(), errno_text(errno))};
    // Connecting needs write permission on the file; stats are for every user to read.
    if (::chmod(path.c_str(), 0666) != 0 || ::listen(fd.get(), listen_backlog) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        return Error{fmt::format("cannot listen on {}: {}", path.string(), errno_text(err))};
    }
    return fd;
}

// The poll timeout left until `deadline`, rounded up so we never spin on 0.
int millis_until(std::chrono::steady_clock::time_point deadline)
{
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// "json\n" -> "json"; also "json\r\n" from a hand-typed `nc` session.
std::string_view trim_line(std::string_view s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace

Result<std::unique_ptr<StatsServer>> StatsServer::start(const std::filesystem::path &socket_path,
                                                        Provider provider)
{
    auto addr = unix_address(socket_path);
    if (!addr)
        return addr.error();
    if (auto st = make_dirs(socket_path.parent_path()); !st)
        return st.error();
    if (auto st = clear_stale_socket(socket_path, *addr); !st)
        return st.error();
    auto listener = bind_listener(socket_path, *addr);
    if (!listener)
        return listener.error();
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake) {
        ::unlink(socket_path.c_str());
        return Error{fmt::format("cannot create an eventfd: {}", errno_text(errno))};
    }
    std::unique_ptr<StatsServer> server(
        new StatsServer(socket_path, std::move(*listener), std::move(wake), std::move(provider)));
    if (auto st = server->spawn_thread(); !st)
        return st.error(); // the destructor removes the socket
    return server;
}

StatsServer::StatsServer(std::filesystem::path path, UniqueFd listener, UniqueFd wake,
                         Provider provider)
    : path_(std::move(path)), listener_(std::move(listener)), wake_(std::move(wake)),
      provider_(std::move(provider))
{
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
        dev_ = st.st_dev;
        ino_ = st.st_ino;
    }
}

StatsServer::~StatsServer()
{
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wake_.get(), &one, sizeof(one));
        thread_.join();
    }
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
        ::unlink(path_.c_str());
}

// With every signal blocked: SIGINT/SIGTERM must land on the hot thread, whose poll they
// interrupt; handled here, they would only be noticed at the loop's next timeout.
Status StatsServer::spawn_thread()
{
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    Status result = Ok{};
    try {
        thread_ = std::thread([this] { serve(); });
    } catch (const std::system_error &e) {
        result = Error{fmt::format("cannot start the stats thread: {}", e.what())};
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return result;
}

void StatsServer::serve()
{
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return; // only ENOMEM and the like: stats stop, scheduling goes on
        }
        if (fds[1].revents != 0)
            return;
        if (fds[0].revents & POLLIN)
            accept_one();
    }
}

void StatsServer::accept_one()
{
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (client) {
        answer(client.get());
        return;
    }
    // Out of fds or memory: the listener stays readable, so back off instead of spinning on
    // a CPU the scheduler's own thread competes for.
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        pause(std::chrono::milliseconds(100));
}

void StatsServer::answer(int client)
{
    auto deadline = std::chrono::steady_clock::now() + client_timeout;
    std::string request;
    char buf[max_request];
    while (request.find('\n') == std::string::npos && request.size() < max_request) {
        if (!wait_ready(client, POLLIN, deadline))
            return;
        const ssize_t n = ::recv(client, buf, max_request - request.size(), 0);
        if (n == 0)
            break; // the client shut its side: take what it sent as the request
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return;
        if (n > 0)
            request.append(buf, static_cast<std::size_t>(n));
    }
    const std::string reply = reply_to(trim_line(request));
    deadline = std::chrono::steady_clock::now() + client_timeout;
    for (std::size_t sent = 0; sent < reply.size();) {
        if (!wait_ready(client, POLLOUT, deadline))
            return;
        // MSG_NOSIGNAL: a client that hung up must not SIGPIPE the whole daemon.
        const ssize_t n = ::send(client, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return;
        if (n > 0)
            sent += static_cast<std::size_t>(n);
    }
}

std::string StatsServer::reply_to(std::string_view request) const
{
    if (request != "json" && request != "table")
        return fmt::format("error: unknown request '{}': send json or table\n", request);
    // The thread's only exit is its own: an exception escaping it would std::terminate the
    // daemon, and with it the scheduler, over a stats request.
    try {
        const StatsSnapshot s = provider_();
        return request == "json" ? to_json(s) + "\n" : to_table(s);
    } catch (const std::exception &e) {
        return fmt::format("error: {}\n", e.what());
    }
}

// True when `fd` is ready for `events`; false on timeout or shutdown.
bool StatsServer::wait_ready(int fd, short events,
                             std::chrono::steady_clock::time_point deadline) const
{
    pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {fd, events, 0}};
    for (;;) {
        const int n = ::poll(fds, 2, millis_until(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || fds[0].revents != 0)
            return false;
        return fds[1].revents != 0;
    }
}

// A sleep the destructor can cut short.
void StatsServer::pause(std::chrono::milliseconds d) const
{
    pollfd wake{wake_.get(), POLLIN, 0};
    ::poll(&wake, 1, static_cast<int>(d.count()));
}

} // namespace scxd
