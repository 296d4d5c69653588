// A [policy.<name>] table as the flat key -> value map a policy reads with param_i64/f64/str:
//   nested tables   [policy.x.limits] max = 3        -> "limits.max"
//   arrays          cpus = [0, 2]                    -> "cpus.0", "cpus.1"
//   arrays of tables [[policy.x.class]] name = "a"   -> "class.0.name"
//   booleans        true / false                     -> integers 1 / 0
// A policy walks an array by asking for index 0, 1, ... until the key is absent.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "core/result.hpp"
#include "plugin/host.hpp"

namespace scxd {

struct FlatParams {
    ParamMap values;
    std::map<std::string, SourcePos> where;
};

// Errors name the file, position, table and key: a date or time value, or a key that holds a
// '.' itself (it would collide with a nested one).
Result<FlatParams> flatten_policy_table(const toml::table &table, const std::string &policy,
                                        const std::filesystem::path &file);

} // namespace scxd
