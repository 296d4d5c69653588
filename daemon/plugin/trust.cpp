#include "plugin/trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

namespace scxd {
namespace fs = std::filesystem;
namespace {

std::string owners_text(const TrustRules &rules)
{
    std::string out;
    for (const uid_t u : rules.owners)
        out +=
            (out.empty() ? "" : " or ") + (u == 0 ? std::string("root") : fmt::format("uid {}", u));
    return out.empty() ? "nobody" : out;
}

// One file or directory on the way from the plugin up to '/'.
Status check_entry(const fs::path &file, const fs::path &entry, const TrustRules &rules)
{
    struct stat st {};
    if (::lstat(entry.c_str(), &st) != 0)
        return Ok{}; // vanished or unreadable: dlopen will fail and say so
    if (std::find(rules.owners.begin(), rules.owners.end(), st.st_uid) == rules.owners.end())
        return Error{fmt::format("policy plugin {}: {} is owned by uid {}, but a plugin and every "
                                 "directory above it must be owned by {}: chown it, or install "
                                 "the plugin where only root can write",
                                 file.string(), entry.string(), st.st_uid, owners_text(rules))};
    if (S_ISLNK(st.st_mode))
        return Ok{}; // a link's own mode means nothing; its target is checked on its own
    // A sticky directory (/tmp) lets nobody but an entry's owner rename or remove it.
    const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky_dir)
        return Error{fmt::format(
            "policy plugin {}: {} is writable by {} (mode {:04o}): run 'chmod go-w {}'",
            file.string(), entry.string(), (st.st_mode & S_IWOTH) != 0 ? "everyone" : "its group",
            st.st_mode & 07777, entry.string())};
    return Ok{};
}

// The entry itself and every directory above it, '/' included.
Status check_chain(const fs::path &file, const fs::path &abs, const TrustRules &rules)
{
    for (fs::path p = abs;; p = p.parent_path()) {
        if (auto st = check_entry(file, p, rules); !st)
            return st;
        if (p == p.parent_path())
            return Ok{};
    }
}

bool inside(const fs::path &dir, const fs::path &p)
{
    const auto rel = p.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

} // namespace

TrustRules default_trust_rules(bool path_named_on_command_line)
{
    TrustRules rules;
    rules.owners.push_back(0);
    if (const uid_t me = ::geteuid(); me != 0)
        rules.owners.push_back(me);
    rules.symlink_may_escape = ::geteuid() == 0 && path_named_on_command_line;
    return rules;
}

Status check_plugin_trust(const fs::path &file, const TrustRules &rules)
{
    std::error_code ec;
    const fs::path abs = fs::absolute(file, ec).lexically_normal();
    if (ec || !fs::exists(abs, ec))
        return Ok{}; // Plugin::open says "no such file" with its hint
    if (auto st = check_chain(file, abs, rules); !st)
        return st;
    const fs::path real = fs::canonical(abs, ec);
    if (ec || real == abs)
        return Ok{};
    // Through symlinks (of the file or of a directory above it): the real path must pass too.
    if (fs::is_symlink(abs, ec) && !rules.symlink_may_escape) {
        const fs::path dir = fs::canonical(abs.parent_path(), ec);
        if (!ec && !inside(dir, real))
            return Error{fmt::format("policy plugin {}: a symlink to {}, outside {}: install the "
                                     "plugin itself there, or (as root) name {} with --policy",
                                     file.string(), real.string(), dir.string(), real.string())};
    }
    return check_chain(file, real, rules);
}

Result<std::shared_ptr<Plugin>> open_trusted_plugin(const fs::path &file, const TrustRules &rules)
{
    if (auto st = check_plugin_trust(file, rules); !st)
        return st.error();
    return Plugin::open(file);
}

} // namespace scxd
