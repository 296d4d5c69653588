// The config file (/etc/scxd/scxd.toml): TOML read once at start-up into a validated value.
// Every key is optional; an absent key leaves the command line or the built-in default in
// charge (see overlay.hpp). Keys and ranges are documented in docs/config.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "plugin/host.hpp"

namespace scxd {

// <sysconfdir>/scxd/scxd.toml as configured in Meson: /etc/scxd/scxd.toml for prefix /usr.
#ifndef SCXD_CONFIG_PATH
#define SCXD_CONFIG_PATH "/etc/scxd/scxd.toml"
#endif
inline constexpr std::string_view default_config_path = SCXD_CONFIG_PATH;

// Ranges shared with the command line's checks.
inline constexpr std::uint64_t min_slice_us = 50;
inline constexpr std::uint64_t max_slice_us = 1'000'000;
inline constexpr std::uint32_t min_max_tasks = 64;
inline constexpr std::uint32_t max_max_tasks = 1U << 20;
inline constexpr std::uint32_t max_exit_dump_len = 1U << 20;
inline constexpr std::uint32_t max_wakeup_preempt_us = 1'000'000;
// Below the kernel's watchdog (timeout_ms = 10 s in bpf/scxd.bpf.c), with room to act; above
// the loop's idle wait (100 ms), so an idle daemon is never taken for a stuck one.
inline constexpr std::uint32_t min_policy_deadline_ms = 500;
inline constexpr std::uint32_t max_policy_deadline_ms = 8000;

// A line and column in the config file (1-based; 0 when unknown).
struct SourcePos {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    auto operator<=>(const SourcePos &) const = default;
};

// Built by load_config only, then used as a const value: every field has passed its checks.
struct Config {
    // The file read; empty when the default file was absent (built-in defaults apply).
    std::filesystem::path file;

    std::optional<std::string> policy; // installed name, or a path (made absolute)
    SourcePos policy_pos;              // where `policy` or `policy.name` was written
    std::optional<std::string> mode;   // "builtin-idle" | "full-user"
    std::optional<bool> partial;
    std::optional<std::uint64_t> slice_us;
    std::optional<std::uint32_t> wakeup_preempt_us;
    std::optional<std::uint32_t> max_tasks;
    std::optional<std::uint32_t> exit_dump_len;
    std::optional<std::uint32_t> policy_deadline_ms;
    std::optional<std::string> log_level; // trace, debug, info, warn, error, off
    std::optional<std::filesystem::path> stats_socket;
    std::optional<std::vector<std::filesystem::path>> policy_dirs;

    // [policy.<name>] tables, flattened (see flatten.hpp): policy name -> key -> value.
    std::map<std::string, ParamMap> policies;
    // Where each of those keys was written, for error messages.
    std::map<std::string, std::map<std::string, SourcePos>> param_where;
};

// Read and check `path`. Every error is one line naming the file (and line:column, key and
// expected value when there is one). With must_exist false, an absent file is an empty Config
// (that is how `scxd run` treats the default path); any other problem is still an error.
Result<Config> load_config(const std::filesystem::path &path, bool must_exist = true);

// Same, from text already in memory; `path` names it in messages and anchors relative paths.
Result<Config> parse_config(std::string_view text, const std::filesystem::path &path);

} // namespace scxd
