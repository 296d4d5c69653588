// What `scxd stats` shows: the counters plus enough context to read them, rendered as one
// JSON object (for scripts) or an aligned table (for people).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/counters.hpp"

namespace scxd {

// Where `scxd run` serves stats and `scxd stats` looks for them unless told otherwise.
inline constexpr std::string_view default_stats_socket = "/run/scxd/stats.sock";

struct StatsSnapshot {
    Counters counters;
    std::string policy;
    std::string mode;
    std::uint64_t uptime_ms = 0;
    std::uint32_t nr_cpus = 0;
};

// One flat JSON object on one line, no trailing newline; every key snake_case, every
// Counters field present.
std::string to_json(const StatsSnapshot &s);

// Two aligned columns, one "name value" row per line, each line ending in '\n'.
std::string to_table(const StatsSnapshot &s);

} // namespace scxd
