// `scxd run`: load the policy, attach the BPF scheduler, run the loop until a signal or
// until the kernel unloads us, then print one summary line.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bpf/bpf_backend.hpp"
#include "bpf/kernel_state.hpp"
#include "cli/options.hpp"
#include "core/loop.hpp"
#include "plugin/plugin.hpp"

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

// The hot thread must never wait for the kernel to page memory in while tasks wait for it.
void lock_memory()
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        spdlog::warn("mlockall failed ({}): the daemon may take page faults while tasks wait",
                     std::strerror(errno));
        return;
    }
    // Touch a generous stack now so later calls never fault a new stack page in.
    volatile char stack[256 * 1024];
    std::memset(const_cast<char *>(stack), 0, sizeof(stack));
}

std::string one_line(std::string s)
{
    for (char &c : s)
        if (c == '\n' || c == '\r')
            c = ' ';
    return s;
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

    HostConfig host;
    host.nr_cpus = static_cast<std::uint32_t>(sysconf(_SC_NPROCESSORS_CONF));
    host.max_tasks = o.max_tasks;
    host.default_slice_ns = o.slice_us * 1000;
    auto policy = PolicyInstance::create(*plugin, host);
    if (!policy) {
        spdlog::error("{}", policy.error().message);
        return 2;
    }

    install_signal_handlers();
    route_libbpf_logs();
    BpfOptions bo;
    bo.max_tasks = o.max_tasks;
    bo.default_slice_ns = host.default_slice_ns;
    bo.builtin_idle = o.mode == "builtin-idle";
    auto backend = BpfBackend::attach(bo);
    if (!backend) {
        spdlog::error("{}", backend.error().message);
        return 1;
    }
    spdlog::info("scheduler \"{}\" attached: policy {} ({}), {} CPUs, slice {} us, mode {}",
                 read_sched_ext_file("root/ops"), (*policy)->plugin().name(),
                 (*path).string(), (*backend)->nr_cpus(), o.slice_us, o.mode);
    if (o.mlock)
        lock_memory();

    LoopOptions lo;
    lo.nr_cpus = (*backend)->nr_cpus();
    lo.default_slice_ns = host.default_slice_ns;
    Loop loop(**backend, (*policy)->ref(), lo);
    auto ejected = loop.run(g_stop);

    if (!ejected)
        (*backend)->detach();
    const auto counters = loop.counters();
    const auto info = (*backend)->exit_info();
    const std::string reason = info ? one_line(info->describe()) : "kind=none";
    fmt::print("scxd: policy={} {} exit: {}\n", (*policy)->plugin().name(),
               to_key_values(counters), reason);
    std::fflush(stdout);
    if (ejected) {
        spdlog::error("the kernel unloaded the scheduler: {}", reason);
        return 1;
    }
    return 0;
}

} // namespace scxd
