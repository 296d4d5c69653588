// What the command line asked for, after CLI11 parsed it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "stats/snapshot.hpp"

namespace scxd {

struct RunOptions {
    std::string policy = "fifo";
    bool policy_named = false; // --policy gave a path on the command line (trust.hpp)
    std::vector<std::filesystem::path> policy_dirs; // searched before the installed dir
    std::uint64_t slice_us = 5000;
    std::uint32_t wakeup_preempt_us = 250; // see bpf/scxd.bpf.c: preempt_for_wakeup()
    std::string mode = "builtin-idle";
    std::uint32_t max_tasks = 8192;
    bool mlock = true;
    bool partial = false;
    std::uint32_t exit_dump_len = 0;
    std::uint32_t policy_deadline_ms = 2000; // see LoopOptions::policy_deadline
    std::filesystem::path stats_socket{default_stats_socket};
};

// Where NAME.so is looked up: --policy-dir, then $SCXD_POLICY_PATH (':'-separated), then
// the installed <libdir>/scxd/policies.
std::vector<std::filesystem::path>
policy_search_path(const std::vector<std::filesystem::path> &from_cli);

// `config` supplies the [policy.<name>] parameters; its other keys are already in `options`.
// What a reload (SIGHUP) produces: the effective options and the config they came from.
struct Reloaded {
    RunOptions run;
    Config config;
};
using ConfigReload = std::function<Result<Reloaded>()>;

int run_command(const RunOptions &o, const Config &cfg, const ConfigReload &reload);
// `scxd check`: what `run` would load, without the kernel. `config_path` is what was asked
// for; `cfg.file` is empty when that was the default file and it does not exist.
int check_command(const RunOptions &options, const Config &config,
                  const std::filesystem::path &config_path);
int policies_command(const std::vector<std::filesystem::path> &dirs);

} // namespace scxd
