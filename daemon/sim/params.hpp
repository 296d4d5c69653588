// Policy parameters for a simulated run: a workload's [policy.<name>] table, flattened the
// way the daemon's config flattens it, plus `--param KEY=VALUE` from the command line.
//   nested tables    [policy.x.limits] max = 3       -> "limits.max"
//   arrays           cpus = [0, 2]                   -> "cpus.0", "cpus.1"
//   arrays of tables [[policy.x.class]] name = "a"  -> "class.0.name"
//   booleans         true / false                    -> integers 1 / 0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "core/result.hpp"
#include "plugin/host.hpp"

namespace scxd::sim {

// Errors name the file, position and key (dates and times have no parameter type).
Result<ParamMap> flatten_params(const toml::table &table, const std::string &policy,
                                const std::filesystem::path &file);

// "KEY=VALUE": an integer if VALUE is one, else a number if it is one, else a string.
Result<std::pair<std::string, ParamValue>> parse_param_arg(std::string_view arg);

} // namespace scxd::sim
