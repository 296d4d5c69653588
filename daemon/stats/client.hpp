// The reading side of the stats socket (see stats/server.hpp for the protocol).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace scxd {

// A daemon that accepted but does not answer within this is reported, not waited for.
inline constexpr std::chrono::milliseconds stats_query_timeout{2000};

// Asks the daemon at `socket_path` for one snapshot; `format` is "json" or "table". The
// reply is returned as sent: a JSON object plus "\n", or the table.
Result<std::string> query_stats(const std::filesystem::path &socket_path, std::string_view format);

} // namespace scxd
