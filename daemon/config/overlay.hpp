// Precedence: a flag on the command line > the config file > the built-in default.
#pragma once

#include <set>
#include <string>

#include "cli/options.hpp"
#include "config/config.hpp"

namespace scxd {

// What the command line said, and which of it was said explicitly: `given` holds the config
// key names (slice_us, policy, log_level, ...) whose flag appeared on the command line.
struct CliSettings {
    RunOptions run; // parsed values, defaults where no flag was given
    std::string log_level = "info";
    std::set<std::string> given;
};

// The effective settings: each config value replaces the built-in default, never a flag.
CliSettings apply_config(CliSettings cli, const Config &cfg);

} // namespace scxd
