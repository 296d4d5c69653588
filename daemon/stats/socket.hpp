// The AF_UNIX plumbing the stats server and client share. Internal to daemon/stats.
#pragma once

#include <sys/un.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include "core/result.hpp"

namespace scxd {

// Owns one file descriptor; closes it exactly once.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd &operator=(UniqueFd &&o) noexcept;
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset();

private:
    int fd_ = -1;
};

// sun_path is a fixed 108 bytes: a longer path cannot be bound at all, so say so up front.
Result<sockaddr_un> unix_address(const std::filesystem::path &path);

// A SOCK_STREAM connection whose connect, send and recv each give up after `timeout`, so
// neither side can hang the other. On failure `fd` is empty and `error` holds errno, which
// callers need to tell "nobody listens" (ECONNREFUSED, ENOENT) from real trouble.
struct Connection {
    UniqueFd fd;
    int error = 0;
};
Connection connect_unix(const sockaddr_un &addr, std::chrono::milliseconds timeout);

} // namespace scxd
