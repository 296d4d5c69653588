#include "sim/toml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "sim/duration.hpp"

namespace scxd::sim {
namespace {

bool parse_ranges(const std::string &s, std::set<std::uint32_t> &out)
{
    std::stringstream in(s);
    std::string part;
    while (std::getline(in, part, ',')) {
        unsigned lo = 0;
        unsigned hi = 0;
        char dash = 0;
        std::stringstream p(part);
        if (!(p >> lo))
            return false;
        hi = lo;
        if (p >> dash && (dash != '-' || !(p >> hi)))
            return false;
        if (hi < lo || hi >= 1024)
            return false;
        for (unsigned c = lo; c <= hi; ++c)
            out.insert(c);
    }
    return true;
}

} // namespace

TomlReader::TomlReader(const toml::table &t, std::string what, const std::filesystem::path &file)
    : t_(t), what_(std::move(what)), file_(file)
{
}

std::string TomlReader::at(const toml::node &n) const
{
    const auto &b = n.source().begin;
    if (b.line == 0)
        return file_.string();
    return fmt::format("{}:{}:{}", file_.string(), b.line, b.column);
}

Error TomlReader::fail(const toml::node &n, const std::string &msg) const
{
    return Error{fmt::format("{}: {}: {}", at(n), what_, msg)};
}

Status TomlReader::only(const std::vector<std::string_view> &allowed, std::string_view why) const
{
    for (const auto &[k, v] : t_) {
        if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end())
            continue;
        std::string list;
        for (const auto a : allowed)
            list += (list.empty() ? "" : ", ") + std::string(a);
        return fail(v, fmt::format("unknown key '{}'{}: the keys here are {}", k.str(), why, list));
    }
    return Ok{};
}

Result<std::optional<std::int64_t>> TomlReader::integer(std::string_view key, std::int64_t lo,
                                                        std::int64_t hi) const
{
    const auto *n = node(key);
    if (n == nullptr)
        return std::optional<std::int64_t>{};
    const auto v = n->value_exact<std::int64_t>();
    if (!v || *v < lo || *v > hi)
        return fail(*n, fmt::format("'{}' must be an integer from {} to {}", key, lo, hi));
    return v;
}

Result<std::optional<std::string>> TomlReader::string(std::string_view key) const
{
    const auto *n = node(key);
    if (n == nullptr)
        return std::optional<std::string>{};
    const auto v = n->value_exact<std::string>();
    if (!v)
        return fail(*n, fmt::format("'{}' must be a string", key));
    return v;
}

Result<std::optional<bool>> TomlReader::boolean(std::string_view key) const
{
    const auto *n = node(key);
    if (n == nullptr)
        return std::optional<bool>{};
    const auto v = n->value_exact<bool>();
    if (!v)
        return fail(*n, fmt::format("'{}' must be true or false", key));
    return v;
}

Result<std::optional<std::uint64_t>> TomlReader::duration(std::string_view key) const
{
    const auto *n = node(key);
    if (n == nullptr)
        return std::optional<std::uint64_t>{};
    const auto s = n->value_exact<std::string>();
    const auto ns = s ? parse_duration(*s) : std::nullopt;
    if (!ns)
        return fail(*n, fmt::format("'{}' must be a duration string with a unit (ns, us, ms, "
                                    "s), e.g. \"2ms\" or \"1.5s\"",
                                    key));
    return ns;
}

Result<std::optional<std::uint64_t>> TomlReader::fraction_ppm(std::string_view key) const
{
    const auto *n = node(key);
    if (n == nullptr)
        return std::optional<std::uint64_t>{};
    std::optional<std::uint64_t> ppm;
    if (const auto d = n->value<double>(); d && *d >= 0.0 && *d <= 1.0)
        ppm = static_cast<std::uint64_t>(std::llround(*d * 1e6));
    if (!ppm)
        return fail(*n, fmt::format("'{}' must be a number from 0 to 1 (a fraction)", key));
    return ppm;
}

Result<std::optional<std::vector<std::uint32_t>>> TomlReader::cpu_list(std::string_view key) const
{
    using Out = std::optional<std::vector<std::uint32_t>>;
    const auto *n = node(key);
    if (n == nullptr)
        return Out{};
    const auto bad = [&] {
        return fail(*n, fmt::format("'{}' must be a non-empty array of CPU numbers, e.g. [0, 1], "
                                    "or a string of ranges, e.g. \"0-3,6\"",
                                    key));
    };
    std::set<std::uint32_t> cpus;
    if (const auto *a = n->as_array()) {
        for (const auto &e : *a) {
            const auto v = e.value_exact<std::int64_t>();
            if (!v || *v < 0 || *v >= 1024)
                return bad();
            cpus.insert(static_cast<std::uint32_t>(*v));
        }
    } else if (const auto s = n->value_exact<std::string>()) {
        if (!parse_ranges(*s, cpus))
            return bad();
    } else {
        return bad();
    }
    if (cpus.empty())
        return bad();
    return Out{std::vector<std::uint32_t>(cpus.begin(), cpus.end())};
}

} // namespace scxd::sim
