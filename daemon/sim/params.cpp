#include "sim/params.hpp"

#include <charconv>

#include <fmt/format.h>

namespace scxd::sim {
namespace {

std::string at(const std::filesystem::path &file, const toml::node &node)
{
    const auto &b = node.source().begin;
    if (b.line == 0)
        return file.string();
    return fmt::format("{}:{}:{}", file.string(), b.line, b.column);
}

struct Flattener {
    const std::filesystem::path &file;
    const std::string &policy;
    ParamMap out;

    Status node(const std::string &key, const toml::node &n)
    {
        if (const auto *t = n.as_table())
            return table(key + ".", *t);
        if (const auto *a = n.as_array()) {
            for (std::size_t i = 0; i < a->size(); ++i)
                if (auto st = node(fmt::format("{}.{}", key, i), *a->get(i)); !st)
                    return st;
            return Ok{};
        }
        if (const auto v = n.value_exact<std::int64_t>())
            out[key] = *v;
        else if (const auto b = n.value_exact<bool>())
            out[key] = std::int64_t{*b ? 1 : 0};
        else if (const auto f = n.value_exact<double>())
            out[key] = *f;
        else if (const auto s = n.value_exact<std::string>())
            out[key] = *s;
        else
            return Error{fmt::format("{}: [policy.{}] key '{}' is a date or time, which no "
                                     "policy parameter can be: write a number or a string",
                                     at(file, n), policy, key)};
        return Ok{};
    }

    Status table(const std::string &prefix, const toml::table &t)
    {
        for (const auto &[k, v] : t) {
            if (k.str().find('.') != std::string_view::npos)
                return Error{fmt::format("{}: [policy.{}] key \"{}\" contains a '.', which "
                                         "would collide with a nested key: rename it",
                                         at(file, v), policy, k.str())};
            if (auto st = node(prefix + std::string(k.str()), v); !st)
                return st;
        }
        return Ok{};
    }
};

} // namespace

Result<ParamMap> flatten_params(const toml::table &table, const std::string &policy,
                                const std::filesystem::path &file)
{
    Flattener f{file, policy, {}};
    if (auto st = f.table("", table); !st)
        return st.error();
    return std::move(f.out);
}

Result<std::pair<std::string, ParamValue>> parse_param_arg(std::string_view arg)
{
    const auto eq = arg.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return Error{
            fmt::format("--param '{}': write KEY=VALUE, e.g. --param class.0.weight=3", arg)};
    std::string key(arg.substr(0, eq));
    const std::string_view value = arg.substr(eq + 1);
    const char *first = value.data();
    const char *last = value.data() + value.size();
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(first, last, i);
        ec == std::errc{} && p == last && !value.empty())
        return std::pair{std::move(key), ParamValue{i}};
    double d = 0;
    if (auto [p, ec] = std::from_chars(first, last, d);
        ec == std::errc{} && p == last && !value.empty())
        return std::pair{std::move(key), ParamValue{d}};
    return std::pair{std::move(key), ParamValue{std::string(value)}};
}

} // namespace scxd::sim
