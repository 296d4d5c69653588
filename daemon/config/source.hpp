// Where a TOML node was written, and how to name a value in a one-line error.
#pragma once

#include <filesystem>
#include <string>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace scxd {

// "FILE:LINE:COL", or "FILE" when the position is unknown.
std::string where(const std::filesystem::path &file, SourcePos pos);
std::string where(const std::filesystem::path &file, const toml::source_region &src);
SourcePos position(const toml::source_region &src);

// "an integer (0)", "a string (\"5000\")", "a table", ...: what the user wrote, short.
std::string describe(const toml::node &node);

} // namespace scxd
