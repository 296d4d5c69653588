// `scxd check`: read the config, resolve and load the plugin, and create the policy with its
// parameters, exactly as `scxd run` would, but without touching the kernel: it needs neither
// root nor sched_ext. One line on success (stdout) or for the first problem (stderr, exit 2).
#include <fmt/format.h>

#include "bpf/bpf_backend.hpp"
#include "cli/options.hpp"
#include "config/policy_params.hpp"
#include "plugin/plugin.hpp"
#include "plugin/trust.hpp"
#include "sys/log.hpp"

namespace scxd {
namespace {

int fail(const std::string &message)
{
    print_error(message);
    return 2;
}

} // namespace

int check_command(const RunOptions &o, const Config &cfg, const std::filesystem::path &config_path)
{
    // A policy chosen by the file gets the file's name on its errors.
    const bool from_file = cfg.policy && *cfg.policy == o.policy;
    const std::string prefix = from_file ? cfg.file.string() + ": " : "";
    auto path = resolve_policy(o.policy, policy_search_path(o.policy_dirs));
    if (!path)
        return fail(prefix + path.error().message);
    auto plugin = open_trusted_plugin(*path, default_trust_rules(o.policy_named));
    if (!plugin)
        return fail(prefix + plugin.error().message);

    HostConfig host;
    host.nr_cpus = possible_cpus();
    host.max_tasks = o.max_tasks;
    host.default_slice_ns = o.slice_us * 1000;
    auto policy = create_configured_policy(*plugin, host, cfg);
    if (!policy)
        return fail(policy.error().message);

    fmt::print("scxd: {}: ok (policy {} from {}{})\n", config_path.string(), (*plugin)->name(),
               (*plugin)->path().string(),
               cfg.file.empty() ? "; no such file, so built-in defaults" : "");
    return 0;
}

} // namespace scxd
