#include "stats/socket.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace scxd {

UniqueFd &UniqueFd::operator=(UniqueFd &&o) noexcept
{
    if (this != &o) {
        reset();
        fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
}

void UniqueFd::reset()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

Result<sockaddr_un> unix_address(const std::filesystem::path &path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string &s = path.native();
    if (s.empty() || s.size() >= sizeof(addr.sun_path))
        return Error{
            fmt::format("socket path {} must be 1 to {} bytes long", s, sizeof(addr.sun_path) - 1)};
    std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
    return addr;
}

Connection connect_unix(const sockaddr_un &addr, std::chrono::milliseconds timeout)
{
    Connection c;
    c.fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!c.fd) {
        c.error = errno;
        return c;
    }
    // SO_SNDTIMEO also bounds a connect to a listener whose backlog is full.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    const timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
    ::setsockopt(c.fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ::setsockopt(c.fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::connect(c.fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0) {
        c.error = errno;
        c.fd.reset();
    }
    return c;
}

} // namespace scxd
