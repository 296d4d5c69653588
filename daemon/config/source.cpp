#include "config/source.hpp"

#include <sstream>

#include <fmt/format.h>

#include "core/text.hpp"

namespace scxd {
namespace {

// Long strings are cut: the message must stay one readable line.
std::string short_quoted(std::string_view s)
{
    constexpr std::size_t max = 40;
    std::string out = one_line(std::string(s.substr(0, max)));
    return fmt::format("\"{}{}\"", out, s.size() > max ? "..." : "");
}

} // namespace

SourcePos position(const toml::source_region &src)
{
    return {static_cast<std::uint32_t>(src.begin.line),
            static_cast<std::uint32_t>(src.begin.column)};
}

std::string where(const std::filesystem::path &file, SourcePos pos)
{
    if (pos.line == 0)
        return file.string();
    return fmt::format("{}:{}:{}", file.string(), pos.line, pos.column);
}

std::string where(const std::filesystem::path &file, const toml::source_region &src)
{
    return where(file, position(src));
}

std::string describe(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::string:
        return "a string (" + short_quoted(node.value<std::string>().value_or("")) + ")";
    case toml::node_type::integer:
        return fmt::format("an integer ({})", node.value<std::int64_t>().value_or(0));
    case toml::node_type::floating_point: {
        std::ostringstream out; // toml++ writes 5000.0, where fmt would write 5000
        out << *node.as_floating_point();
        return "a floating-point number (" + out.str() + ")";
    }
    case toml::node_type::boolean:
        return fmt::format("a boolean ({})", node.value<bool>().value_or(false));
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

} // namespace scxd
