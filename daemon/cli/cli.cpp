// The command line: `scxd run|policies|...` with CLI11. Exceptions stay at this edge.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/options.hpp"
#include "stats/stats_command.hpp"

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

} // namespace

int cli_main(int argc, char **argv)
{
    CLI::App app{"scxd: Linux CPU schedulers written in user space (sched_ext)", "scxd"};
    app.set_version_flag("-V,--version", std::string("scxd ") + SCXD_VERSION);
    app.require_subcommand(1);
    app.fallthrough(); // global options may follow the verb
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

    RunOptions run;
    std::vector<std::string> dirs;
    auto *run_cmd = app.add_subcommand("run", "attach the scheduler and run a policy");
    run_cmd->add_option("-p,--policy", run.policy,
                        "installed policy name (see 'scxd policies') or path to a .so")
        ->capture_default_str();
    run_cmd->add_option("--policy-dir", dirs, "extra directory to look policies up in (repeatable)");
    run_cmd->add_option("--slice-us", run.slice_us, "default time slice in microseconds")
        ->check(CLI::Range(50, 1'000'000))
        ->capture_default_str();
    run_cmd->add_option("--mode", run.mode,
                        "builtin-idle: a wakeup that finds an idle CPU runs there at once; "
                        "full-user: every task goes through the policy")
        ->check(CLI::IsMember({"builtin-idle", "full-user"}))
        ->capture_default_str();
    run_cmd->add_option("--max-tasks", run.max_tasks, "runnable tasks the rings can hold")
        ->check(CLI::Range(64, 1 << 20))
        ->capture_default_str();
    run_cmd->add_flag("--partial", run.partial,
                      "schedule only tasks that chose SCHED_EXT; the rest stay in the fair class");
    run_cmd->add_option("--exit-dump-len", run.exit_dump_len,
                        "bytes of kernel debug dump on an error exit (0: kernel default)")
        ->check(CLI::Range(0, 1 << 20));
    run_cmd->add_option("--stats-socket", run.stats_socket,
                        "where 'scxd stats' reads the counters (created mode 0666)")
        ->capture_default_str();
    bool no_mlock = false;
    run_cmd->add_flag("--no-mlock", no_mlock, "do not lock the daemon's memory (for tests)");

    auto *pol_cmd = app.add_subcommand("policies", "list installed policy plugins");
    pol_cmd->add_option("--policy-dir", dirs, "extra directory to look in (repeatable)");

    StatsOptions stats;
    auto *stats_cmd = app.add_subcommand("stats", "show the running daemon's counters");
    stats_cmd->add_flag("--json", stats.json, "one JSON object (per line with --watch)");
    stats_cmd->add_flag("--watch", stats.watch, "refresh every second until Ctrl-C");
    stats_cmd->add_option("--socket", stats.socket, "the daemon's stats socket")
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }
    apply_log_level(log_level);
    std::vector<std::filesystem::path> dir_paths(dirs.begin(), dirs.end());
    if (*run_cmd) {
        run.policy_dirs = dir_paths;
        run.mlock = !no_mlock;
        return run_command(run);
    }
    if (*stats_cmd)
        return stats_command(stats);
    return policies_command(policy_search_path(dir_paths));
}

} // namespace scxd
