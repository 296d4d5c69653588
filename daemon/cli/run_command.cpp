// `scxd run`: load the policy, attach the BPF scheduler, run the loop until a signal or
// until the kernel unloads us, then print one summary line. When the kernel asks for a
// restart (CPU hotplug), attach again with a fresh instance of the same policy.
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
#include "core/loop.hpp"
#include "core/text.hpp"
#include "plugin/plugin.hpp"
#include "stats/server.hpp"
#include "sys/memory.hpp"

namespace scxd {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*sig*/) { g_stop.store(true, std::memory_order_relaxed); }

void install_signal_handlers()
{
    struct sigaction sa{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: the loop's poll must return EINTR
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

// Counters as of the last periodic hook, for readers off the hot thread (stats).
class Published {
public:
    void publish(const Counters &c)
    {
        std::unique_lock lock(mu_, std::try_to_lock); // the hot thread never waits
        if (lock.owns_lock())
            last_ = c;
    }
    Counters get() const
    {
        std::lock_guard lock(mu_);
        return last_;
    }

private:
    mutable std::mutex mu_;
    Counters last_;
};

// One attachment of the scheduler: its policy instance, backend and loop.
struct Session {
    const Counters *before = nullptr; // totals of earlier sessions
    Published *published = nullptr;
    std::uint64_t fault_base = 0;
    Counters result;
    std::optional<ExitInfo> exit;
    bool ejected = false;

    Counters current(const Loop &loop) const
    {
        Counters c = loop.counters();
        c.page_faults = thread_page_faults() - fault_base;
        Counters total = *before;
        total += c;
        return total;
    }

    static void on_periodic(void *self, const Loop &loop)
    {
        auto &s = *static_cast<Session *>(self);
        s.published->publish(s.current(loop));
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
    bo.partial = o.partial;
    bo.exit_dump_len = o.exit_dump_len;
    return bo;
}

// Attach, run until stop or ejection, detach. Errors are start-up errors (exit status 1/2).
Result<Ok> run_session(const std::shared_ptr<Plugin> &plugin, const RunOptions &o,
                       Session &session, bool restarting)
{
    HostConfig host;
    host.nr_cpus = possible_cpus(); // the ids the kernel may report, not just online ones
    host.max_tasks = o.max_tasks;
    host.default_slice_ns = o.slice_us * 1000;
    auto policy = PolicyInstance::create(plugin, host);
    if (!policy)
        return policy.error();
    auto backend = attach_when_free(backend_options(o), restarting);
    if (!backend)
        return backend.error();
    // Once, after the first attach: libbpf's load is done, and MCL_FUTURE covers what a
    // re-attachment maps later.
    if (o.mlock && !restarting) {
        if (auto st = lock_and_prefault_memory(); !st)
            spdlog::warn("{}; the daemon may take page faults while tasks wait", st.error().message);
    }
    spdlog::info("scheduler \"{}\" attached: policy {} ({}), {} CPUs, slice {} us, mode {}{}",
                 read_sched_ext_file("root/ops"), plugin->name(), plugin->path().string(),
                 (*backend)->nr_cpus(), o.slice_us, o.mode, o.partial ? ", partial" : "");

    LoopOptions lo;
    lo.nr_cpus = (*backend)->nr_cpus();
    lo.default_slice_ns = host.default_slice_ns;
    lo.max_tasks = o.max_tasks;
    lo.periodic = LoopHook{&Session::on_periodic, &session, std::chrono::milliseconds(250)};
    Loop loop(**backend, (*policy)->ref(), lo);
    session.fault_base = thread_page_faults();
    session.exit = loop.run(g_stop);
    session.ejected = session.exit.has_value();
    if (!session.ejected) {
        (*backend)->detach();
        session.exit = (*backend)->exit_info();
    }
    session.result = loop.counters();
    session.result.page_faults = thread_page_faults() - session.fault_base;
    return Ok{};
}

// Stats are read on their own thread, from what the periodic hook published.
Result<std::unique_ptr<StatsServer>> start_stats(const RunOptions &o, const Published &published,
                                                 std::string policy_name)
{
    return StatsServer::start(
        o.stats_socket,
        [&published, policy_name = std::move(policy_name), mode = o.mode,
         started = std::chrono::steady_clock::now(),
         nr_cpus = possible_cpus()] {
            StatsSnapshot s;
            s.counters = published.get();
            s.policy = policy_name;
            s.mode = mode;
            s.uptime_ms = static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
            s.nr_cpus = nr_cpus;
            return s;
        });
}

// Restart storms (hotplug flapping, or a kernel that keeps asking) end with an error.
bool may_restart(std::vector<std::chrono::steady_clock::time_point> &times)
{
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(times, [&](auto t) { return now - t > std::chrono::minutes(1); });
    times.push_back(now);
    return times.size() <= 10;
}

} // namespace

int run_command(const RunOptions &o)
{
    const auto dirs = policy_search_path(o.policy_dirs);
    auto path = resolve_policy(o.policy, dirs);
    if (!path) {
        spdlog::error("{}", path.error().message);
        return 2;
    }
    auto plugin = Plugin::open(*path);
    if (!plugin) {
        spdlog::error("{}", plugin.error().message);
        return 2;
    }
    if (auto st = check_sched_ext_available(); !st) {
        spdlog::error("{}", st.error().message);
        return 1;
    }
    install_signal_handlers();
    route_libbpf_logs();

    Counters total;
    Published published;
    // Before the first attach: a second `scxd run` is refused here, before it touches the
    // kernel. Declared after `published`, so its thread stops before `published` goes away.
    auto stats = start_stats(o, published, (*plugin)->name());
    if (!stats) {
        spdlog::error("{}", stats.error().message);
        return 1;
    }
    std::vector<std::chrono::steady_clock::time_point> restart_times;
    for (bool restarting = false;; restarting = true) {
        Session session;
        session.before = &total;
        session.published = &published;
        auto st = run_session(*plugin, o, session, restarting);
        if (!st) {
            spdlog::error("{}", st.error().message);
            return restarting ? 1 : 2;
        }
        total += session.result;
        const std::string reason = session.exit ? one_line(session.exit->describe()) : "kind=none";
        if (session.ejected && session.exit->wants_restart() && !g_stop &&
            may_restart(restart_times)) {
            ++total.restarts;
            spdlog::warn("the kernel asked for a restart ({}): attaching again", reason);
            continue;
        }
        fmt::print("scxd: policy={} {} exit: {}\n", (*plugin)->name(), to_key_values(total),
                   reason);
        std::fflush(stdout);
        if (!session.ejected)
            return 0;
        spdlog::error("the kernel unloaded the scheduler: {}", reason);
        if (!session.exit->dump.empty())
            spdlog::error("kernel debug dump:\n{}", session.exit->dump);
        return 1;
    }
}

} // namespace scxd
