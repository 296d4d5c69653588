#include "stats/stats_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "stats/client.hpp"

namespace scxd {
namespace {

constexpr std::string_view clear_screen = "\x1b[H\x1b[2J"; // cursor home, erase display

bool print_once(const StatsOptions &o, bool clear)
{
    auto reply = query_stats(o.socket, o.json ? "json" : "table");
    if (!reply) {
        fmt::print(stderr, "scxd: {}\n", reply.error().message);
        return false;
    }
    if (clear)
        fmt::print("{}scxd stats: {}, every 1 s, Ctrl-C to stop\n\n", clear_screen,
                   o.socket.string());
    fmt::print("{}", *reply);
    // stdout is usually a pipe under --watch --json: each line must leave at once.
    std::fflush(stdout);
    return true;
}

// One second, or less when a stop signal arrives (then false). The signals are blocked and
// taken here, so Ctrl-C ends the watch with status 0 rather than killing us mid-line.
bool sleep_unless_stopped(const sigset_t &stop)
{
    const timespec second{1, 0};
    for (;;) {
        if (sigtimedwait(&stop, nullptr, &second) > 0)
            return false;
        if (errno == EAGAIN)
            return true;
    }
}

int watch(const StatsOptions &o)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    do {
        if (!print_once(o, !o.json))
            return 1;
    } while (sleep_unless_stopped(stop));
    return 0;
}

} // namespace

int stats_command(const StatsOptions &o)
{
    if (o.watch)
        return watch(o);
    return print_once(o, false) ? 0 : 1;
}

} // namespace scxd
