// `scxd stats`: print the running daemon's counters, once or every second.
#pragma once

#include <filesystem>

#include "stats/snapshot.hpp"

namespace scxd {

struct StatsOptions {
    bool json = false;  // one JSON object per line instead of a table
    bool watch = false; // refresh every second until SIGINT/SIGTERM
    std::filesystem::path socket{default_stats_socket};
};

// 0, or 1 with a one-line "scxd: ..." on stderr when the daemon cannot be asked.
int stats_command(const StatsOptions &options);

} // namespace scxd
