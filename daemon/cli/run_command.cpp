// `scxd run`: load the policy, attach the BPF scheduler, run the loop until a signal or
// until the kernel unloads us, then print one summary line. When the kernel asks for a
// restart (CPU hotplug), attach again with a fresh instance of the same policy. On SIGHUP,
// swap in the policy the config now names without detaching (see cli/reloader.hpp).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bpf/bpf_backend.hpp"
#include "bpf/kernel_state.hpp"
#include "cli/options.hpp"
#include "cli/reloader.hpp"
#include "config/policy_params.hpp"
#include "core/loop.hpp"
#include "core/text.hpp"
#include "core/watchdog.hpp"
#include "plugin/plugin.hpp"
#include "plugin/trust.hpp"
#include "stats/server.hpp"
#include "sys/fatal.hpp"
#include "sys/memory.hpp"
#include "sys/notify.hpp"

namespace scxd {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*sig*/) { g_stop.store(true, std::memory_order_relaxed); }

void install_signal_handlers()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: the loop's poll must return EINTR
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

// Counters and the active policy as of the last periodic hook, for readers off the hot thread.
class Published {
public:
    void publish(const Counters &c)
    {
        std::unique_lock lock(mu_, std::try_to_lock); // the hot thread never waits
        if (lock.owns_lock())
            last_ = c;
    }
    void set_policy(std::string name) // only on a swap
    {
        std::lock_guard lock(mu_);
        policy_ = std::move(name);
    }
    std::pair<Counters, std::string> get() const
    {
        std::lock_guard lock(mu_);
        return {last_, policy_};
    }

private:
    mutable std::mutex mu_;
    Counters last_;
    std::string policy_;
};

HostConfig host_config(const RunOptions &o)
{
    HostConfig host;
    host.nr_cpus = possible_cpus(); // the ids the kernel may report, not just online ones
    host.max_tasks = o.max_tasks;
    host.default_slice_ns = o.slice_us * 1000;
    return host;
}

// What the daemon runs, across sessions and swaps: the policy's plugin and config.
struct Current {
    std::shared_ptr<Plugin> plugin;
    Config config;
    std::unique_ptr<PolicyInstance> policy;
};

// One attachment of the scheduler: backend and loop around the current policy.
struct Session {
    const Counters *before = nullptr; // totals of earlier sessions
    Published *published = nullptr;
    Reloader *reloader = nullptr;
    Current *current = nullptr;
    std::uint64_t fault_base = 0;
    std::uint64_t swaps = 0;
    Counters result;
    std::optional<ExitInfo> exit;
    bool ejected = false;

    Counters totals(const Loop &loop) const
    {
        Counters c = loop.counters();
        c.page_faults = thread_page_faults() - fault_base;
        c.policy_swaps = swaps;
        Counters total = *before;
        total += c;
        return total;
    }

    // Between passes: hand every held task to the new policy; the old one is destroyed on
    // the reload thread. The BPF program stays attached (enable_seq does not change).
    void swap_if_ready(Loop &loop)
    {
        auto next = reloader->take();
        if (!next)
            return;
        loop.swap_policy(next->policy->ref());
        reloader->retire(std::exchange(current->policy, std::move(next->policy)));
        current->plugin = next->plugin;
        current->config = std::move(next->config);
        ++swaps;
        const auto name = current->plugin->name();
        published->set_policy(name);
        set_fatal_policy(name, current->plugin->path().string());
        spdlog::info("policy swapped to {} ({}), {} held tasks handed over", name,
                     current->plugin->path().string(), loop.held());
        notify_ready("policy " + name);
    }

    // The loop replaced a policy that held a task past its deadline by the built-in FIFO.
    static void on_fallback(void *self, std::string_view from, std::chrono::milliseconds held)
    {
        auto &s = *static_cast<Session *>(self);
        spdlog::error("policy {} held a task for {} ms, past policy_deadline_ms: the built-in "
                      "FIFO schedules from now on; fix the policy, then reload (SIGHUP) or "
                      "restart scxd",
                      from, held.count());
        s.published->set_policy(FallbackFifo::name);
        set_fatal_policy(FallbackFifo::name, "built in");
    }

    static void on_periodic(void *self, Loop &loop)
    {
        auto &s = *static_cast<Session *>(self);
        s.swap_if_ready(loop);
        s.published->publish(s.totals(loop));
        notify_watchdog(); // the loop is making progress
    }
};

Result<std::unique_ptr<BpfBackend>> attach_when_free(const BpfOptions &bo, bool restarting)
{
    // After an ejection the kernel needs a moment to reach "disabled" again.
    for (int i = 0; restarting && i < 100 && read_sched_ext_file("state") != "disabled"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return BpfBackend::attach(bo);
}

BpfOptions backend_options(const RunOptions &o)
{
    BpfOptions bo;
    bo.max_tasks = o.max_tasks;
    bo.default_slice_ns = o.slice_us * 1000;
    bo.builtin_idle = o.mode == "builtin-idle";
    bo.wakeup_preempt_ns = std::uint64_t{o.wakeup_preempt_us} * 1000;
    bo.partial = o.partial;
    bo.exit_dump_len = o.exit_dump_len;
    return bo;
}

// Attach, run until stop or ejection, detach. Errors are start-up errors (exit status 1/2).
Status run_session(const RunOptions &o, Session &session, bool restarting)
{
    auto &cur = *session.current;
    if (!cur.policy) { // first session, or a restart: a fresh instance
        auto policy = create_configured_policy(cur.plugin, host_config(o), cur.config);
        if (!policy)
            return policy.error();
        cur.policy = std::move(*policy);
    }
    auto backend = attach_when_free(backend_options(o), restarting);
    if (!backend)
        return backend.error();
    // Once, after the first attach: libbpf's load is done, and MCL_FUTURE covers what a
    // re-attachment maps later.
    if (o.mlock && !restarting) {
        if (auto st = lock_and_prefault_memory(); !st)
            spdlog::warn("{}; the daemon may take page faults while tasks wait",
                         st.error().message);
    }
    spdlog::info("scheduler \"{}\" attached: policy {} ({}), {} CPUs, slice {} us, mode {}{}",
                 read_sched_ext_file("root/ops"), cur.plugin->name(), cur.plugin->path().string(),
                 (*backend)->nr_cpus(), o.slice_us, o.mode, o.partial ? ", partial" : "");
    session.published->set_policy(cur.plugin->name());
    notify_ready("policy " + cur.plugin->name());

    LoopOptions lo;
    lo.nr_cpus = (*backend)->nr_cpus();
    lo.default_slice_ns = o.slice_us * 1000;
    lo.max_tasks = o.max_tasks;
    lo.periodic = LoopHook{&Session::on_periodic, &session, std::chrono::milliseconds(250)};
    lo.policy_deadline = std::chrono::milliseconds(o.policy_deadline_ms);
    lo.on_fallback = &Session::on_fallback;
    lo.fallback_ctx = &session;
    // Only while the loop runs: attaching and detaching may legitimately take longer.
    std::optional<Watchdog> watchdog;
    watchdog.emplace(lo.policy_deadline, &exit_stuck, nullptr);
    lo.progress = &watchdog->progress();
    set_fatal_policy(cur.plugin->name(), cur.plugin->path().string());
    Loop loop(**backend, cur.policy->ref(), lo);
    session.fault_base = thread_page_faults();
    session.exit = loop.run(g_stop);
    watchdog.reset();
    session.ejected = session.exit.has_value();
    if (!session.ejected) {
        notify_stopping();
        (*backend)->detach();
        session.exit = (*backend)->exit_info();
    }
    session.result = loop.counters();
    session.result.page_faults = thread_page_faults() - session.fault_base;
    session.result.policy_swaps = session.swaps;
    // Tasks the old attachment left with the policy went back to the kernel when it unloaded
    // us; a restart starts from a fresh instance.
    cur.policy.reset();
    return Ok{};
}

// Restart storms (hotplug flapping, or a kernel that keeps asking) end with an error.
bool may_restart(std::vector<std::chrono::steady_clock::time_point> &times)
{
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(times, [&](auto t) { return now - t > std::chrono::minutes(1); });
    times.push_back(now);
    return times.size() <= 10;
}

// Stats are read on their own thread, from what the periodic hook published.
Result<std::unique_ptr<StatsServer>> start_stats(const RunOptions &o, const Published &published)
{
    return StatsServer::start(o.stats_socket, [&published, mode = o.mode,
                                               started = std::chrono::steady_clock::now(),
                                               nr_cpus = possible_cpus()] {
        StatsSnapshot s;
        std::tie(s.counters, s.policy) = published.get();
        s.mode = mode;
        s.uptime_ms =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - started)
                                           .count());
        s.nr_cpus = nr_cpus;
        return s;
    });
}

// Settings that shape the BPF program cannot change while it stays attached.
void warn_fixed_settings(const RunOptions &now, const RunOptions &next)
{
    if (now.mode != next.mode || now.partial != next.partial || now.slice_us != next.slice_us ||
        now.max_tasks != next.max_tasks || now.exit_dump_len != next.exit_dump_len ||
        now.stats_socket != next.stats_socket ||
        now.policy_deadline_ms != next.policy_deadline_ms ||
        now.wakeup_preempt_us != next.wakeup_preempt_us)
        spdlog::warn("reload: mode, partial, slice_us, wakeup_preempt_us, max_tasks, "
                     "exit_dump_len, stats_socket and policy_deadline_ms take effect only after a "
                     "restart (systemctl restart scxd)");
}

// The reload thread's work: the config again, its policy, a checked instance.
Reloader::Build reload_builder(const RunOptions &o, const ConfigReload &reload)
{
    return [&o, reload]() -> Result<std::unique_ptr<Reloader::Swap>> {
        auto again = reload();
        if (!again)
            return again.error();
        warn_fixed_settings(o, again->run);
        auto path = resolve_policy(again->run.policy, policy_search_path(again->run.policy_dirs));
        if (!path)
            return path.error();
        auto plugin = open_trusted_plugin(*path, default_trust_rules(again->run.policy_named));
        if (!plugin)
            return plugin.error();
        auto policy = create_configured_policy(*plugin, host_config(o), again->config);
        if (!policy)
            return policy.error();
        auto swap = std::make_unique<Reloader::Swap>();
        swap->plugin = *plugin;
        swap->config = std::move(again->config);
        swap->policy = std::move(*policy);
        return swap;
    };
}

} // namespace

int run_command(const RunOptions &o, const Config &cfg, const ConfigReload &reload)
{
    // Before any thread exists, so that only the reload thread ever receives SIGHUP.
    block_reload_signal();
    use_small_thread_stacks();
    if (o.mlock)
        disable_transparent_hugepages();
    const auto dirs = policy_search_path(o.policy_dirs);
    auto path = resolve_policy(o.policy, dirs);
    if (!path) {
        spdlog::error("{}", path.error().message);
        return 2;
    }
    auto plugin = open_trusted_plugin(*path, default_trust_rules(o.policy_named));
    if (!plugin) {
        spdlog::error("{}", plugin.error().message);
        return 2;
    }
    if (auto st = check_sched_ext_available(); !st) {
        spdlog::error("{}", st.error().message);
        return 1;
    }
    install_signal_handlers();
    install_crash_handler(); // here: the loop runs on this thread
    route_libbpf_logs();

    Counters total;
    Published published;
    // Before the first attach: a second `scxd run` is refused here, before it touches the
    // kernel. Declared after `published`, so its thread stops before `published` goes away.
    auto stats = start_stats(o, published);
    if (!stats) {
        spdlog::error("{}", stats.error().message);
        return 1;
    }
    Current current{*plugin, cfg, nullptr};
    Reloader reloader(reload_builder(o, reload));
    std::vector<std::chrono::steady_clock::time_point> restart_times;
    for (bool restarting = false;; restarting = true) {
        Session session;
        session.before = &total;
        session.published = &published;
        session.reloader = &reloader;
        session.current = &current;
        auto st = run_session(o, session, restarting);
        if (!st) {
            spdlog::error("{}", st.error().message);
            return restarting ? 1 : 2;
        }
        total += session.result;
        const std::string reason = session.exit ? one_line(session.exit->describe()) : "kind=none";
        if (session.ejected && session.exit && session.exit->wants_restart() && !g_stop &&
            may_restart(restart_times)) {
            ++total.restarts;
            spdlog::warn("the kernel asked for a restart ({}): attaching again", reason);
            continue;
        }
        fmt::print("scxd: policy={} {} exit: {}\n", current.plugin->name(), to_key_values(total),
                   reason);
        std::fflush(stdout);
        if (!session.ejected)
            return 0;
        spdlog::error("the kernel unloaded the scheduler: {}", reason);
        if (session.exit && !session.exit->dump.empty())
            spdlog::error("kernel debug dump:\n{}", session.exit->dump);
        return 1;
    }
}

} // namespace scxd
