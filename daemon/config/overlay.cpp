#include "config/overlay.hpp"

namespace scxd {
namespace {

template <typename T, typename U>
void overlay(const CliSettings &cli, const char *key, T &target, const std::optional<U> &from_file)
{
    if (from_file && !cli.given.contains(key))
        target = T(*from_file);
}

} // namespace

CliSettings apply_config(CliSettings cli, const Config &cfg)
{
    RunOptions &r = cli.run;
    overlay(cli, "policy", r.policy, cfg.policy);
    // A path (resolve_policy's rule), not an installed name looked up in the policy dirs.
    r.policy_named = cli.given.contains("policy") &&
                     (r.policy.find('/') != std::string::npos || r.policy.ends_with(".so"));
    overlay(cli, "policy_dirs", r.policy_dirs, cfg.policy_dirs);
    overlay(cli, "mode", r.mode, cfg.mode);
    overlay(cli, "partial", r.partial, cfg.partial);
    overlay(cli, "slice_us", r.slice_us, cfg.slice_us);
    overlay(cli, "wakeup_preempt_us", r.wakeup_preempt_us, cfg.wakeup_preempt_us);
    overlay(cli, "max_tasks", r.max_tasks, cfg.max_tasks);
    overlay(cli, "exit_dump_len", r.exit_dump_len, cfg.exit_dump_len);
    overlay(cli, "policy_deadline_ms", r.policy_deadline_ms, cfg.policy_deadline_ms);
    overlay(cli, "stats_socket", r.stats_socket, cfg.stats_socket);
    overlay(cli, "log_level", cli.log_level, cfg.log_level);
    return cli;
}

} // namespace scxd
