#include "config/policy_params.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "config/near_miss.hpp"
#include "config/source.hpp"
#include "core/text.hpp"

namespace scxd {
namespace {

// "class.0.name", "class.1.name" -> "class.N.name": the list stays short for arrays.
std::string shape(const std::string &key)
{
    std::string out;
    std::size_t start = 0;
    while (start <= key.size()) {
        auto end = key.find('.', start);
        if (end == std::string::npos)
            end = key.size();
        const auto part = key.substr(start, end - start);
        const bool index = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        out += (start == 0 ? "" : ".") + (index ? std::string("N") : part);
        start = end + 1;
    }
    return out;
}

std::string reads_list(const std::set<std::string> &queried)
{
    if (queried.empty())
        return "the policy reads no parameters";
    std::vector<std::string> shapes;
    for (const auto &k : queried)
        if (auto s = shape(k); std::find(shapes.begin(), shapes.end(), s) == shapes.end())
            shapes.push_back(std::move(s));
    std::string list;
    for (const auto &s : shapes)
        list += (list.empty() ? "" : ", ") + s;
    return "the policy reads: " + list;
}

SourcePos pos_of(const Config &cfg, const std::string &policy, const std::string &key)
{
    const auto t = cfg.param_where.find(policy);
    if (t != cfg.param_where.end())
        if (const auto k = t->second.find(key); k != t->second.end())
            return k->second;
    return {};
}

// The policies' messages start with the key they refuse ("slice_us must be 50..1000000 us, got
// 0", "class.0.weight is missing"): where that key, or the nearest key written in the same
// table or array element ("class.0.name"), is in the file.
SourcePos pos_of_reason(const Config &cfg, const std::string &policy, const std::string &reason)
{
    const auto t = cfg.param_where.find(policy);
    if (t == cfg.param_where.end())
        return {};
    const std::string key = reason.substr(0, reason.find(' '));
    if (const auto k = t->second.find(key); k != t->second.end())
        return k->second;
    for (auto dot = key.rfind('.'); dot != std::string::npos && dot > 0;
         dot = key.rfind('.', dot - 1)) {
        const std::string prefix = key.substr(0, dot + 1);
        SourcePos best{};
        for (const auto &[k, pos] : t->second)
            if (k.starts_with(prefix) && (best.line == 0 || pos < best))
                best = pos;
        if (best.line != 0)
            return best;
    }
    return {};
}

// "FILE:LINE:COL: [policy.NAME] REASON" for a create() that refused its parameters.
std::string refused_params(const Config &cfg, const std::string &policy, const std::string &message)
{
    constexpr std::string_view marker = "failed to start: ";
    const auto at = message.find(marker);
    if (at == std::string::npos)
        return cfg.file.string() + ": " + message;
    const std::string reason = message.substr(at + marker.size());
    return one_line(fmt::format(
        "{}: [policy.{}] {}", where(cfg.file, pos_of_reason(cfg, policy, reason)), policy, reason));
}

} // namespace

Status check_unknown_params(const Config &cfg, const std::string &policy,
                            const std::set<std::string> &queried)
{
    const auto table = cfg.policies.find(policy);
    if (table == cfg.policies.end())
        return Ok{};
    const auto unknown = unqueried_keys(table->second, queried);
    if (unknown.empty())
        return Ok{};
    // Report the first one in the file.
    const auto &key =
        *std::min_element(unknown.begin(), unknown.end(), [&](const auto &a, const auto &b) {
            return pos_of(cfg, policy, a) < pos_of(cfg, policy, b);
        });
    const auto at = where(cfg.file.empty() ? std::filesystem::path("config") : cfg.file,
                          pos_of(cfg, policy, key));
    const auto guess = nearest(key, std::vector<std::string>(queried.begin(), queried.end()));
    const std::string fix =
        guess.empty() ? ": remove it or correct its name" : "; did you mean '" + guess + "'?";
    const std::size_t more = unknown.size() - 1;
    const std::string others =
        more == 0 ? "" : fmt::format(" (and {} more unknown key{})", more, more > 1 ? "s" : "");
    return Error{one_line(fmt::format("{}: [policy.{}] unknown key '{}' ({}){}{}", at, policy, key,
                                      reads_list(queried), fix, others))};
}

Result<std::unique_ptr<PolicyInstance>> create_configured_policy(std::shared_ptr<Plugin> plugin,
                                                                 HostConfig host, const Config &cfg)
{
    const std::string name = plugin->name();
    std::set<std::string> queried;
    std::map<std::string, std::string> type_errors;
    if (const auto t = cfg.policies.find(name); t != cfg.policies.end())
        host.params = t->second;
    host.queried = &queried;
    host.type_errors = &type_errors;
    const bool has_table = !host.params.empty();
    auto policy = PolicyInstance::create(std::move(plugin), host);
    if (!type_errors.empty()) { // whether or not create() failed: this is the precise reason
        const auto &[key, expected] = *type_errors.begin();
        const auto at = where(cfg.file.empty() ? std::filesystem::path("config") : cfg.file,
                              pos_of(cfg, name, key));
        return Error{
            one_line(fmt::format("{}: [policy.{}] key '{}' must be {}", at, name, key, expected))};
    }
    if (!policy && has_table) // most likely a parameter value it refused: name the file
        return Error{refused_params(cfg, name, policy.error().message)};
    if (!policy)
        return policy;
    if (auto st = check_unknown_params(cfg, name, queried); !st)
        return st.error();
    return policy;
}

} // namespace scxd
