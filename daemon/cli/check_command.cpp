// `scxd check`: read the config, resolve and load the plugin, and create the policy with its
// parameters, exactly as `scxd run` would, but without touching the kernel: it needs neither
// root nor sched_ext. One line on success (stdout) or for the first problem (stderr, exit 2).
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "bpf/bpf_backend.hpp"
#include "cli/options.hpp"
#include "config/policy_params.hpp"
#include "config/source.hpp"
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

// What the policy logs while create() reads its parameters (its classes, a warning) is shown
// only when the config is accepted: a refused config is exactly one line.
class HeldLogs {
public:
    HeldLogs()
        : logger_(spdlog::default_logger()), real_(logger_->sinks()),
          held_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256))
    {
        logger_->sinks() = {held_};
    }
    HeldLogs(const HeldLogs &) = delete;
    HeldLogs &operator=(const HeldLogs &) = delete;
    ~HeldLogs() { logger_->sinks() = real_; }

    void show()
    {
        logger_->sinks() = real_;
        for (const auto &msg : held_->last_raw())
            for (const auto &sink : real_)
                if (sink->should_log(msg.level))
                    sink->log(msg);
    }

private:
    std::shared_ptr<spdlog::logger> logger_;
    std::vector<spdlog::sink_ptr> real_;
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> held_;
};

} // namespace

int check_command(const RunOptions &options, const Config &config,
                  const std::filesystem::path &config_path)
{
    // A policy chosen by the file gets the file's name on its errors.
    const bool from_file = config.policy == options.policy;
    const std::string prefix = from_file ? where(config.file, config.policy_pos) + ": " : "";
    auto path = resolve_policy(options.policy, policy_search_path(options.policy_dirs));
    if (!path)
        return fail(prefix + path.error().message);
    auto plugin = open_trusted_plugin(*path, default_trust_rules(options.policy_named));
    if (!plugin)
        return fail(prefix + plugin.error().message);

    HostConfig host;
    host.nr_cpus = possible_cpus();
    host.max_tasks = options.max_tasks;
    host.default_slice_ns = options.slice_us * 1000;
    HeldLogs logs;
    auto policy = create_configured_policy(*plugin, host, config);
    if (!policy)
        return fail(policy.error().message);
    logs.show();

    fmt::print("scxd: {}: ok (policy {} from {}{})\n", config_path.string(), (*plugin)->name(),
               (*plugin)->path().string(),
               config.file.empty() ? "; no such file, so built-in defaults" : "");
    return 0;
}

} // namespace scxd
