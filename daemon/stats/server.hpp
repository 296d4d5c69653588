// The daemon's side of `scxd stats`: a Unix socket served by one background thread, so
// reading the counters never costs the hot thread anything.
//
// Protocol: a client connects and sends one line, `json\n` or `table\n`; the server answers
// with to_json(snapshot) + "\n" or to_table(snapshot) and closes. Anything else gets one
// line starting with "error: ".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "core/result.hpp"
#include "stats/snapshot.hpp"
#include "stats/socket.hpp"

namespace scxd {

class StatsServer {
public:
    // Called on the stats thread, once per request, while the rest of the daemon runs: it
    // must be safe to call concurrently with the hot thread (read a copy the hot thread
    // publishes, never the loop's own state), and should return quickly.
    using Provider = std::function<StatsSnapshot()>;

    // How long one client may take to send its request, and again to take the reply; a
    // client slower than that is dropped, so one stuck reader cannot stall the others.
    // query_stats() tries again when dropped: on a loaded machine a just-started `scxd stats`
    // can wait longer than this between its connect and its send (seen at 200 ms in the VM).
    static constexpr std::chrono::milliseconds client_timeout{500};

    // Creates the parent directory (0755) if missing, replaces a stale socket file, binds
    // `socket_path` with mode 0666 and starts the thread. Refuses when another daemon is
    // live on that path, or when the path exists and is not a socket.
    static Result<std::unique_ptr<StatsServer>> start(const std::filesystem::path &socket_path,
                                                      Provider provider);

    // Stops the thread (at most one client_timeout) and removes the socket file, unless
    // someone else's socket has replaced it since.
    ~StatsServer();
    StatsServer(const StatsServer &) = delete;
    StatsServer &operator=(const StatsServer &) = delete;

    [[nodiscard]] const std::filesystem::path &path() const { return path_; }

private:
    StatsServer(std::filesystem::path path, UniqueFd listener, UniqueFd wake, Provider provider);
    Status spawn_thread();
    void serve();
    void accept_one();
    void answer(int client);
    [[nodiscard]] std::string reply_to(std::string_view request) const;
    [[nodiscard]] bool wait_ready(int fd, short events,
                                  std::chrono::steady_clock::time_point deadline) const;
    void pause(std::chrono::milliseconds d) const;

    std::filesystem::path path_;
    UniqueFd listener_;
    UniqueFd wake_; // eventfd: the destructor's "stop" to the thread's poll
    Provider provider_;
    dev_t dev_ = 0; // identity of the socket file we bound, so we only ever unlink our own
    ino_t ino_ = 0;
    std::thread thread_;
};

} // namespace scxd
