// A policy instance built with its [policy.<name>] table, refusing keys the policy never reads.
// One function for `scxd run` and `scxd check`, so both accept exactly the same files.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "config/config.hpp"
#include "core/result.hpp"
#include "plugin/plugin.hpp"

namespace scxd {

// Create the plugin's policy with cfg.policies[plugin name] as its parameters. After create()
// succeeds, a key of that table the policy never asked for (any param_* call, found or not)
// is an error naming the file, line, table and key, and listing what the policy does read.
Result<std::unique_ptr<PolicyInstance>>
create_configured_policy(std::shared_ptr<Plugin> plugin, HostConfig host, const Config &cfg);

// The unknown-key check alone: `queried` is what the policy asked for during create().
Status check_unknown_params(const Config &cfg, const std::string &policy,
                            const std::set<std::string> &queried);

} // namespace scxd
