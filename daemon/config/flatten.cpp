#include "config/flatten.hpp"

#include <fmt/format.h>

#include "config/source.hpp"
#include "core/text.hpp"

namespace scxd {
namespace {

class Flattener {
public:
    Flattener(const std::string &policy, const std::filesystem::path &file)
        : policy_(policy), file_(file)
    {
    }

    // `at` is where the key was written (an array element: the element itself): errors about
    // unknown keys point there.
    Status node(const std::string &key, const toml::node &n, SourcePos at)
    {
        if (const auto *t = n.as_table())
            return table(key + ".", *t);
        if (const auto *a = n.as_array())
            return array(key, *a);
        return scalar(key, n, at);
    }

    Status table(const std::string &prefix, const toml::table &t)
    {
        for (const auto &[k, v] : t) {
            const std::string name(k.str());
            if (name.empty() || name.find('.') != std::string::npos)
                return fail(k.source(), prefix + name,
                            "a parameter name may not be empty or contain '.': nest a table "
                            "instead");
            if (auto st = node(prefix + name, v, position(k.source())); !st)
                return st;
        }
        return Ok{};
    }

    FlatParams take() { return std::move(out_); }

private:
    Status array(const std::string &key, const toml::array &a)
    {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (auto st = node(fmt::format("{}.{}", key, i), a[i], position(a[i].source())); !st)
                return st;
        return Ok{};
    }

    Status scalar(const std::string &key, const toml::node &n, SourcePos at)
    {
        if (auto v = n.value_exact<std::int64_t>())
            return put(key, at, *v);
        if (auto v = n.value_exact<double>())
            return put(key, at, *v);
        if (auto v = n.value_exact<std::string>())
            return put(key, at, std::move(*v));
        if (auto v = n.value_exact<bool>())
            return put(key, at, std::int64_t{*v ? 1 : 0});
        return fail(
            n.source(), key,
            fmt::format("{} is not a parameter type: write it as a string in quotes", describe(n)));
    }

    Status put(const std::string &key, SourcePos at, ParamValue v)
    {
        out_.values.emplace(key, std::move(v));
        out_.where.emplace(key, at);
        return Ok{};
    }

    Status fail(const toml::source_region &src, const std::string &key, const std::string &why)
    {
        return Error{one_line(
            fmt::format("{}: [policy.{}] key '{}': {}", where(file_, src), policy_, key, why))};
    }

    const std::string &policy_;
    const std::filesystem::path &file_;
    FlatParams out_;
};

} // namespace

Result<FlatParams> flatten_policy_table(const toml::table &table, const std::string &policy,
                                        const std::filesystem::path &file)
{
    Flattener f(policy, file);
    if (auto st = f.table("", table); !st)
        return st.error();
    return f.take();
}

} // namespace scxd
