// Who may put code into the daemon: a plugin is dlopen'ed into a process that runs as root with
// CAP_BPF, so its file, and every directory above it, must be writable only by users we already
// trust. Checked before dlopen; see docs/writing-a-policy.md ("Where plugins may live") for the
// rule as users see it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "plugin/plugin.hpp"

namespace scxd {

struct TrustRules {
    // Who may own the file and every directory above it (root is not implied: tests leave it out to
    // see a refusal without being root).
    std::vector<uid_t> owners;
    // A plugin reached through a symlink whose target lies outside the directory the link is in.
    // Only root naming the path itself on the command line may do that.
    bool symlink_may_escape = false;
};

// What scxd and scxd-sim enforce: root, plus the effective user when that is not root; a symlink
// may leave its directory only when root named it on the command line.
TrustRules default_trust_rules(bool path_named_on_command_line);

// Ok, or one line naming the plugin, what is wrong (owner, mode, symlink) and the fix. A path that
// does not exist passes: Plugin::open reports that with its own hint.
Status check_plugin_trust(const std::filesystem::path &file, const TrustRules &rules);

// check_plugin_trust, then Plugin::open.
Result<std::shared_ptr<Plugin>> open_trusted_plugin(const std::filesystem::path &file,
                                                    const TrustRules &rules);

} // namespace scxd
