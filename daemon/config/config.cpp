#include "config/config.hpp"

#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/flatten.hpp"
#include "config/near_miss.hpp"
#include "config/nesting.hpp"
#include "config/source.hpp"
#include "core/text.hpp"

namespace scxd {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t max_file_size = 1 << 20; // a config file, not a data set

// State while one file is read: where it is, and what has been accepted so far.
struct Reader {
    const fs::path &file;
    Config &cfg;

    [[nodiscard]] Error fail(const toml::node &n, std::string_view key, std::string_view why) const
    {
        // one_line: a quoted TOML key may hold control characters.
        return Error{one_line(fmt::format("{}: key '{}': {}", where(file, n.source()), key, why))};
    }

    // Relative paths in the file are relative to the file, not to the daemon's cwd.
    [[nodiscard]] fs::path anchor(const fs::path &p) const
    {
        if (p.is_absolute())
            return p;
        std::error_code ec;
        auto abs = fs::absolute(file.parent_path() / p, ec);
        return (ec ? file.parent_path() / p : abs).lexically_normal();
    }
};

bool before(const toml::source_position &a, const toml::source_position &b)
{
    return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// toml::table iterates by key; report problems in the order they appear in the file.
std::vector<std::pair<const toml::key *, const toml::node *>> in_file_order(const toml::table &t)
{
    std::vector<std::pair<const toml::key *, const toml::node *>> out;
    for (const auto &[k, v] : t)
        out.emplace_back(&k, &v);
    // Not stable_sort: with clang-19 and libstdc++ 12 it trips -Wdeprecated-declarations
    // (get_temporary_buffer). The key breaks ties, so the order is still fixed.
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
        const auto &pa = a.first->source().begin;
        const auto &pb = b.first->source().begin;
        if (before(pa, pb) || before(pb, pa))
            return before(pa, pb);
        return a.first->str() < b.first->str();
    });
    return out;
}

using Handler = std::function<Status(Reader &, const toml::node &)>;

Result<std::string> string_of(const Reader &r, const toml::node &n, std::string_view key,
                              std::string_view what)
{
    const auto v = n.value_exact<std::string>();
    if (!v)
        return r.fail(n, key, fmt::format("must be {}, got {}", what, describe(n)));
    if (v->empty())
        return r.fail(n, key, fmt::format("must be {}, got an empty string", what));
    return *v;
}

Result<std::string> one_of(const Reader &r, const toml::node &n, std::string_view key,
                           const std::vector<std::string> &allowed)
{
    std::string list;
    for (const auto &a : allowed)
        list += (list.empty() ? "\"" : ", \"") + a + "\"";
    auto s = string_of(r, n, key, "one of " + list);
    if (!s)
        return s;
    if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end())
        return r.fail(n, key,
                      fmt::format("must be one of {}, got {}{}", list, describe(n),
                                  did_you_mean(*s, allowed)));
    return s;
}

Result<std::int64_t> int_in(const Reader &r, const toml::node &n, std::string_view key,
                            std::int64_t lo, std::int64_t hi, std::string_view unit)
{
    const auto v = n.value_exact<std::int64_t>();
    if (!v) {
        // "5000" in quotes is the usual slip: say how to write it.
        const auto s = n.value_exact<std::string>();
        const bool numeric = s && !s->empty() && std::all_of(s->begin(), s->end(), [](char c) {
                                 return c >= '0' && c <= '9';
                             });
        return r.fail(
            n, key,
            fmt::format("must be an integer {}..{}{}, got {}{}", lo, hi, unit, describe(n),
                        numeric ? fmt::format(": write {} = {} without quotes", key, *s) : ""));
    }
    if (*v < lo || *v > hi)
        return r.fail(n, key, fmt::format("must be {}..{}{}, got {}", lo, hi, unit, *v));
    return *v;
}

bool is_path_like(const std::string &s)
{
    // resolve_policy's rule: anything else is an installed name.
    return s.find('/') != std::string::npos || s.ends_with(".so");
}

bool valid_policy_name(const std::string &s)
{
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

Status set_policy_name(Reader &r, const toml::node &n, std::string_view key)
{
    auto s =
        string_of(r, n, key, "an installed policy name (see 'scxd policies') or a path to a .so");
    if (!s)
        return s.error();
    r.cfg.policy = is_path_like(*s) ? r.anchor(*s).string() : *s;
    r.cfg.policy_pos = position(n.source());
    return Ok{};
}

Status add_policy_table(Reader &r, const std::string &name, const toml::node &n)
{
    const std::string key = "policy." + name;
    const auto *t = n.as_table();
    if (t == nullptr)
        return r.fail(n, key,
                      fmt::format("must be a table of the policy's parameters ([policy.{}]), "
                                  "got {}; the policy to run is chosen with policy.name",
                                  name, describe(n)));
    if (!valid_policy_name(name))
        return r.fail(n, key,
                      "a policy name is 1-64 characters of [a-z0-9_-], as 'scxd policies' "
                      "lists them");
    auto flat = flatten_policy_table(*t, name, r.file);
    if (!flat)
        return flat.error();
    r.cfg.policies[name] = std::move(flat->values);
    r.cfg.param_where[name] = std::move(flat->where);
    return Ok{};
}

// `policy = "NAME"`, or a [policy] table: `name` plus one [policy.<name>] table per policy.
Status read_policy(Reader &r, const toml::node &n)
{
    if (n.is_string())
        return set_policy_name(r, n, "policy");
    const auto *t = n.as_table();
    if (t == nullptr)
        return r.fail(n, "policy",
                      fmt::format("must be a policy name, or a table with name = \"...\" and "
                                  "[policy.<name>] parameter tables; got {}",
                                  describe(n)));
    for (const auto &[k, v] : in_file_order(*t)) {
        const std::string name(k->str());
        auto st =
            name == "name" ? set_policy_name(r, *v, "policy.name") : add_policy_table(r, name, *v);
        if (!st)
            return st;
    }
    return Ok{};
}

Status read_policy_dirs(Reader &r, const toml::node &n)
{
    const auto *a = n.as_array();
    if (a == nullptr)
        return r.fail(n, "policy_dirs",
                      fmt::format("must be an array of directories, e.g. [\"/opt/scxd\"], got {}",
                                  describe(n)));
    std::vector<fs::path> dirs;
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto s = string_of(r, (*a)[i], fmt::format("policy_dirs[{}]", i), "a directory");
        if (!s)
            return s.error();
        dirs.push_back(r.anchor(*s));
    }
    r.cfg.policy_dirs = std::move(dirs);
    return Ok{};
}

Status read_stats_socket(Reader &r, const toml::node &n)
{
    auto s = string_of(r, n, "stats_socket", "the path of a unix socket");
    if (!s)
        return s.error();
    auto p = r.anchor(*s);
    constexpr std::size_t max_len = sizeof(sockaddr_un{}.sun_path) - 1;
    if (p.string().size() > max_len)
        return r.fail(n, "stats_socket",
                      fmt::format("a unix socket path is at most {} bytes, this one is {}", max_len,
                                  p.string().size()));
    r.cfg.stats_socket = std::move(p);
    return Ok{};
}

// Top-level keys, in the order docs/config.md lists them.
const std::vector<std::pair<std::string, Handler>> &handlers()
{
    static const std::vector<std::pair<std::string, Handler>> h = {
        {"policy", read_policy},
        {"policy_dirs", read_policy_dirs},
        {"mode",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = one_of(r, n, "mode", {"builtin-idle", "full-user"});
             if (!v)
                 return v.error();
             r.cfg.mode = *v;
             return Ok{};
         }},
        {"partial",
         [](Reader &r, const toml::node &n) -> Status {
             const auto v = n.value_exact<bool>();
             if (!v)
                 return r.fail(n, "partial",
                               fmt::format("must be true or false, got {}", describe(n)));
             r.cfg.partial = v;
             return Ok{};
         }},
        {"slice_us",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = int_in(r, n, "slice_us", min_slice_us, max_slice_us, " (microseconds)");
             if (!v)
                 return v.error();
             r.cfg.slice_us = static_cast<std::uint64_t>(*v);
             return Ok{};
         }},
        {"wakeup_preempt_us",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = int_in(r, n, "wakeup_preempt_us", 0, max_wakeup_preempt_us,
                             " (microseconds, 0: never)");
             if (!v)
                 return v.error();
             r.cfg.wakeup_preempt_us = static_cast<std::uint32_t>(*v);
             return Ok{};
         }},
        {"max_tasks",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = int_in(r, n, "max_tasks", min_max_tasks, max_max_tasks, "");
             if (!v)
                 return v.error();
             r.cfg.max_tasks = static_cast<std::uint32_t>(*v);
             return Ok{};
         }},
        {"exit_dump_len",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = int_in(r, n, "exit_dump_len", 0, max_exit_dump_len, " (bytes)");
             if (!v)
                 return v.error();
             r.cfg.exit_dump_len = static_cast<std::uint32_t>(*v);
             return Ok{};
         }},
        {"policy_deadline_ms",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = int_in(r, n, "policy_deadline_ms", min_policy_deadline_ms,
                             max_policy_deadline_ms, " (milliseconds)");
             if (!v)
                 return v.error();
             r.cfg.policy_deadline_ms = static_cast<std::uint32_t>(*v);
             return Ok{};
         }},
        {"log_level",
         [](Reader &r, const toml::node &n) -> Status {
             auto v = one_of(r, n, "log_level", {"trace", "debug", "info", "warn", "error", "off"});
             if (!v)
                 return v.error();
             r.cfg.log_level = *v;
             return Ok{};
         }},
        {"stats_socket", read_stats_socket},
    };
    return h;
}

Status read_key(Reader &r, const toml::key &key, const toml::node &n)
{
    const std::string name(key.str());
    const auto &h = handlers();
    const auto it =
        std::find_if(h.begin(), h.end(), [&](const auto &p) { return p.first == name; });
    if (it != h.end())
        return it->second(r, n);
    std::vector<std::string> known;
    known.reserve(h.size());
    for (const auto &p : h)
        known.push_back(p.first);
    std::string list;
    for (const auto &k : known)
        list += (list.empty() ? "" : ", ") + k;
    return Error{fmt::format("{}: unknown key '{}'{}; the keys are: {}",
                             where(r.file, key.source()), one_line(name), did_you_mean(name, known),
                             list)};
}

std::string parse_error_message(const fs::path &file, const toml::parse_error &e)
{
    std::string msg = fmt::format("{}: not valid TOML: {}", where(file, e.source()),
                                  one_line(std::string(e.description())));
    // `policy = "x"` next to a [policy.x] table: TOML cannot have both.
    if (msg.find("existing string 'policy") != std::string::npos)
        msg +=
            "; with [policy.<name>] tables, choose the policy with name = \"...\" under [policy]";
    return msg;
}

std::string errno_text(int err) { return std::strerror(err); }

} // namespace

Result<Config> parse_config(std::string_view text, const fs::path &path)
{
    if (auto st = check_key_depth(text, path); !st)
        return st.error();
    toml::table root;
    try {
        root = toml::parse(text, path.string());
    } catch (const toml::parse_error &e) {
        return Error{parse_error_message(path, e)};
    }
    Config cfg;
    cfg.file = path;
    Reader r{path, cfg};
    for (const auto &[key, node] : in_file_order(root))
        if (auto st = read_key(r, *key, *node); !st)
            return st.error();
    return cfg;
}

Result<Config> load_config(const fs::path &path, bool must_exist)
{
    const auto fix = fmt::format("give a readable file with --config, or omit --config to use {}",
                                 default_config_path);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT && !must_exist)
            return Config{};
        return Error{fmt::format("{}: cannot read the config file: {}: {}", path.string(),
                                 errno_text(err), fix)};
    }
    if (!S_ISREG(st.st_mode))
        return Error{fmt::format("{}: not a regular file: {}", path.string(), fix)};
    if (static_cast<std::uint64_t>(st.st_size) > max_file_size)
        return Error{fmt::format("{}: {} bytes is too large for a config file (at most {})",
                                 path.string(), st.st_size, max_file_size)};
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
        return Error{fmt::format("{}: cannot read the config file: {}: {}", path.string(),
                                 errno_text(errno), fix)};
    // One byte more than the limit: a file that grew since stat() is caught too. fread loops
    // by itself until the end of the file or the count.
    std::string text(max_file_size + 1, '\0');
    text.resize(std::fread(text.data(), 1, text.size(), f.get()));
    if (text.size() > max_file_size)
        return Error{fmt::format("{}: too large for a config file (at most {} bytes)",
                                 path.string(), max_file_size)};
    if (std::ferror(f.get()))
        return Error{
            fmt::format("{}: cannot read the config file: {}", path.string(), errno_text(errno))};
    return parse_config(text, path);
}

} // namespace scxd
