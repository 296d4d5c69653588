// The command line: `scxd run|policies|...` with CLI11. Exceptions stay at this edge.
#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/options.hpp"
#include "config/near_miss.hpp"
#include "config/overlay.hpp"
#include "core/text.hpp"
#include "stats/stats_command.hpp"
#include "sys/log.hpp"

namespace scxd {
namespace {

bool apply_log_level(const std::string &level)
{
    const auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off")
        return false;
    spdlog::set_level(lvl);
    return true;
}

// A bad command line is one line on stderr and exit 2, like any other bad input (CLI11's
// own message has a second line and exit codes 1xx).
int usage_error(const CLI::App &app, const CLI::ParseError &e)
{
    std::vector<std::string> verbs;
    for (const auto *sub : app.get_subcommands({}))
        verbs.push_back(sub->get_name());
    std::string verb_list;
    for (const auto &v : verbs)
        verb_list += (verb_list.empty() ? "" : ", ") + v;
    std::string msg = e.what();
    const auto *chosen = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
    if (chosen == nullptr) {
        // No verb was recognised: the first word that is not an option was meant as one.
        const auto rest = app.remaining();
        const auto word = std::find_if(rest.begin(), rest.end(),
                                       [](const std::string &a) { return !a.starts_with('-'); });
        if (word != rest.end())
            msg = fmt::format("unknown command '{}'{}", *word, did_you_mean(*word, verbs));
        else if (rest.empty())
            msg = fmt::format("{}: give a command", msg);
        msg += fmt::format("; the commands are {} (see scxd --help)", verb_list);
    } else {
        msg += fmt::format(" (see scxd {} --help)", chosen->get_name());
    }
    fmt::print(stderr, "scxd: {}\n", one_line(msg));
    return 2;
}

} // namespace

int cli_main(int argc, char **argv)
{
    CLI::App app{"scxd: Linux CPU schedulers written in user space (sched_ext)", "scxd"};
    app.set_version_flag("-V,--version", std::string("scxd ") + SCXD_VERSION);
    app.require_subcommand(1);
    app.fallthrough(); // global options may follow the verb
    std::string log_level = "info";
    auto *log_opt =
        app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
            ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    std::string config_path(default_config_path);
    auto *config_opt = app.add_option("--config", config_path,
                                      "config file; flags override its keys (without --config, "
                                      "a missing file means built-in defaults)")
                           ->capture_default_str();
    // Config key -> its flags: a config value applies only where no such flag was given.
    std::vector<std::pair<CLI::Option *, std::string>> keyed{{log_opt, "log_level"}};

    RunOptions run;
    std::vector<std::string> dirs;
    auto *run_cmd = app.add_subcommand("run", "attach the scheduler and run a policy");
    auto *check_cmd = app.add_subcommand(
        "check", "validate the config file and load its policy, without touching the kernel");
    for (auto *cmd : {run_cmd, check_cmd}) {
        keyed.emplace_back(
            cmd->add_option("-p,--policy", run.policy,
                            "installed policy name (see 'scxd policies') or path to a .so")
                ->capture_default_str(),
            "policy");
        keyed.emplace_back(cmd->add_option("--policy-dir", dirs,
                                           "extra directory to look policies up in (repeatable)"),
                           "policy_dirs");
    }
    keyed.emplace_back(
        run_cmd->add_option("--slice-us", run.slice_us, "default time slice in microseconds")
            ->check(CLI::Range(min_slice_us, max_slice_us))
            ->capture_default_str(),
        "slice_us");
    keyed.emplace_back(
        run_cmd
            ->add_option("--wakeup-preempt-us", run.wakeup_preempt_us,
                         "a woken task that finds every CPU busy preempts one for the daemon, "
                         "each CPU at most once per this many microseconds (0: never)")
            ->check(CLI::Range(0U, max_wakeup_preempt_us))
            ->capture_default_str(),
        "wakeup_preempt_us");
    keyed.emplace_back(
        run_cmd
            ->add_option("--mode", run.mode,
                         "builtin-idle: a wakeup that finds an idle CPU runs there at once; "
                         "full-user: every task goes through the policy")
            ->check(CLI::IsMember({"builtin-idle", "full-user"}))
            ->capture_default_str(),
        "mode");
    keyed.emplace_back(
        run_cmd->add_option("--max-tasks", run.max_tasks, "runnable tasks the rings can hold")
            ->check(CLI::Range(min_max_tasks, max_max_tasks))
            ->capture_default_str(),
        "max_tasks");
    keyed.emplace_back(
        run_cmd->add_flag("--partial,!--no-partial", run.partial,
                          "schedule only tasks that chose SCHED_EXT; the rest stay in the fair "
                          "class (--no-partial overrides partial = true in the config)"),
        "partial");
    keyed.emplace_back(
        run_cmd
            ->add_option("--exit-dump-len", run.exit_dump_len,
                         "bytes of kernel debug dump on an error exit (0: kernel default)")
            ->check(CLI::Range(0U, max_exit_dump_len)),
        "exit_dump_len");
    keyed.emplace_back(
        run_cmd
            ->add_option("--policy-deadline-ms", run.policy_deadline_ms,
                         "a policy holding a task this long is replaced by the built-in "
                         "FIFO; a scheduling thread stuck this long ends the daemon")
            ->check(CLI::Range(min_policy_deadline_ms, max_policy_deadline_ms))
            ->capture_default_str(),
        "policy_deadline_ms");
    keyed.emplace_back(run_cmd
                           ->add_option("--stats-socket", run.stats_socket,
                                        "where 'scxd stats' reads the counters (created mode 0666)")
                           ->capture_default_str(),
                       "stats_socket");
    bool no_mlock = false;
    run_cmd->add_flag("--no-mlock", no_mlock, "do not lock the daemon's memory (for tests)");

    auto *pol_cmd = app.add_subcommand("policies", "list installed policy plugins");
    keyed.emplace_back(
        pol_cmd->add_option("--policy-dir", dirs, "extra directory to look in (repeatable)"),
        "policy_dirs");

    StatsOptions stats;
    auto *stats_cmd = app.add_subcommand("stats", "show the running daemon's counters");
    stats_cmd->add_flag("--json", stats.json, "one JSON object (per line with --watch)");
    stats_cmd->add_flag("--watch", stats.watch, "refresh every second until Ctrl-C");
    auto *socket_opt = stats_cmd->add_option("--socket", stats.socket, "the daemon's stats socket")
                           ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(e); // --help, --version
        return usage_error(app, e);
    }
    auto cfg = load_config(config_path, config_opt->count() > 0);
    if (!cfg) {
        print_error(cfg.error().message);
        return 2;
    }
    CliSettings cli{run, log_level, {}};
    cli.run.policy_dirs.assign(dirs.begin(), dirs.end());
    cli.run.mlock = !no_mlock;
    for (const auto &[opt, key] : keyed)
        if (opt->count() > 0)
            cli.given.insert(key);
    const auto eff = apply_config(cli, *cfg);
    apply_log_level(eff.log_level);
    if (*run_cmd) {
        // SIGHUP: the same file and the same flags again; flags still win over the file.
        ConfigReload reload = [cli, config_path,
                               must_exist = config_opt->count() > 0]() -> Result<Reloaded> {
            auto again = load_config(config_path, must_exist);
            if (!again)
                return again.error();
            return Reloaded{apply_config(cli, *again).run, std::move(*again)};
        };
        return run_command(eff.run, *cfg, reload);
    }
    if (*check_cmd)
        return check_command(eff.run, *cfg, config_path);
    if (*stats_cmd) {
        if (socket_opt->count() == 0)
            stats.socket = cfg->stats_socket.value_or(stats.socket);
        return stats_command(stats);
    }
    return policies_command(policy_search_path(eff.run.policy_dirs));
}

} // namespace scxd
