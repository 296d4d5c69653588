// A guard run before toml++ sees a file: toml++ 3.3 limits nested arrays and inline tables but
// not dotted keys, and a key like a.a.a... 50000 parts deep overflows the stack in its
// recursive table code (found by the config-check fixtures). Real configs nest a few levels.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace scxd {

inline constexpr std::size_t max_key_depth = 64;

// An error "FILE:LINE:COL: ..." when a dotted key or table header has more than max_key_depth
// parts. Strings and comments are skipped; anything else that is not valid TOML is left for
// toml++ to report.
Status check_key_depth(std::string_view text, const std::filesystem::path &file);

} // namespace scxd
