// scxd-bench-micro: the daemon's hot path alone -- drain -> on_enqueue -> pick -> dispatch --
// through the real Loop::run and the real policy plugins (.so from the build tree), over
// in-memory rings with the BPF rings' record layouts (ring_backend.hpp). Reports ns per task,
// tasks per second on one core and page faults per task; syscalls per task are counted by
// bench/micro/syscalls.sh around `--probe` runs (strace between two marker syscalls).
//
//   scxd-bench-micro [--quick] [google-benchmark flags]
//   (default: 5 repetitions of >= 0.5 s each; --quick: 3 of >= 0.05 s)
//   scxd-bench-micro --probe POLICY TASKS PASSES [--yield]   (for syscalls.sh; --yield makes
//   the fake backend's wait() call sched_yield() as the real one does: the counter's control)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "ring_backend.hpp"
#include "core/loop.hpp"
#include "plugin/plugin.hpp"

namespace {

using scxd::bench::RingBackend;

struct PolicySpec {
    const char *name;
    const char *path;
};

const PolicySpec policies[] = {
    {"fifo", SCXD_BENCH_FIFO_SO},
    {"vruntime", SCXD_BENCH_VRUNTIME_SO},
    {"weighted", SCXD_BENCH_WEIGHTED_SO},
};
const std::uint32_t task_counts[] = {10, 1000, 10000};
constexpr std::uint32_t nr_cpus = 8;

const PolicySpec *find_policy(const std::string &name)
{
    for (const auto &p : policies)
        if (name == p.name)
            return &p;
    return nullptr;
}

// The daemon's defaults, with room for the largest task count.
scxd::HostConfig host_config(const PolicySpec &spec, std::uint32_t tasks)
{
    scxd::HostConfig c;
    c.nr_cpus = nr_cpus;
    c.max_tasks = std::max<std::uint32_t>(8192, tasks);
    if (std::string(spec.name) == "weighted") {
        // Two classes 3 : 1 by uid, as in the VM fairness test; a third of the tasks in none.
        c.params = {{"class.0.name", std::string("gold")}, {"class.0.uid", std::int64_t{1000}},
                    {"class.0.weight", std::int64_t{300}}, {"class.1.name", std::string("bronze")},
                    {"class.1.uid", std::int64_t{2000}},   {"class.1.weight", std::int64_t{100}}};
    }
    return c;
}

// One policy instance, the loop and its rings, warmed up to a steady state.
struct Rig {
    std::unique_ptr<scxd::PolicyInstance> policy;
    std::unique_ptr<RingBackend> backend;
    std::unique_ptr<scxd::Loop> loop;
    std::atomic<bool> stop{false};

    Rig(const PolicySpec &spec, std::uint32_t tasks)
    {
        auto plugin = scxd::Plugin::open(spec.path);
        if (!plugin) {
            std::fprintf(stderr, "scxd-bench-micro: %s\n", plugin.error().message.c_str());
            std::exit(1);
        }
        const auto config = host_config(spec, tasks);
        auto inst = scxd::PolicyInstance::create(*plugin, config);
        if (!inst) {
            std::fprintf(stderr, "scxd-bench-micro: %s\n", inst.error().message.c_str());
            std::exit(1);
        }
        policy = std::move(*inst);
        backend = std::make_unique<RingBackend>(tasks, scxd::bench::TaskMix{nr_cpus, 1000});
        scxd::LoopOptions opts;
        opts.nr_cpus = nr_cpus;
        opts.max_tasks = config.max_tasks;
        loop = std::make_unique<scxd::Loop>(*backend, policy->ref(), opts);
        passes(8); // every task through the policy a few times: tables filled, pages touched
    }

    // `n` passes of the daemon's own Loop::run; the backend stops it.
    void passes(std::uint64_t n)
    {
        stop.store(false, std::memory_order_relaxed);
        backend->stop_after(n, &stop);
        if (auto exit = loop->run(stop)) {
            std::fprintf(stderr, "scxd-bench-micro: loop ended: %s\n", exit->reason.c_str());
            std::exit(1);
        }
    }
};

long minor_faults()
{
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

void bench_pass(benchmark::State &state, const PolicySpec *spec, std::uint32_t tasks)
{
    Rig rig(*spec, tasks);
    // Enough passes per iteration that the benchmark's own bookkeeping does not count.
    const std::uint64_t per_iter = std::max<std::uint64_t>(1, 2000 / tasks);
    const std::uint64_t d0 = rig.backend->dispatched();
    const long f0 = minor_faults();
    for (auto _ : state)
        rig.passes(per_iter);
    const long faults = minor_faults() - f0;
    const auto done = static_cast<double>(rig.backend->dispatched() - d0);
    state.SetItemsProcessed(static_cast<std::int64_t>(done));
    state.counters["faults_per_task"] = done > 0 ? static_cast<double>(faults) / done : 0;
}

// --probe: run PASSES passes between two getppid() markers, for strace to count what is
// in between (bench/micro/syscalls.sh).
int probe(int argc, char **argv)
{
    const bool yield = argc == 6 && std::strcmp(argv[5], "--yield") == 0;
    if (argc != 5 && !yield) {
        std::fprintf(stderr, "usage: %s --probe POLICY TASKS PASSES [--yield]\n", argv[0]);
        return 64;
    }
    const PolicySpec *spec = find_policy(argv[2]);
    if (spec == nullptr) {
        std::fprintf(stderr, "scxd-bench-micro: unknown policy '%s' (fifo, vruntime, weighted)\n",
                     argv[2]);
        return 64;
    }
    const auto tasks = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
    const auto n = std::strtoull(argv[4], nullptr, 10);
    if (tasks == 0 || n == 0) {
        std::fprintf(stderr, "scxd-bench-micro: --probe needs TASKS > 0 and PASSES > 0\n");
        return 64;
    }
    Rig rig(*spec, tasks);
    rig.backend->yield_in_wait(yield);
    const std::uint64_t d0 = rig.backend->dispatched();
    syscall(SYS_getppid); // marker: measured region starts
    rig.passes(n);
    syscall(SYS_getppid); // marker: measured region ends
    std::printf("probe policy=%s tasks=%u passes=%llu dispatched=%llu\n", spec->name, tasks,
                static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(rig.backend->dispatched() - d0));
    return 0;
}

// Prints the google-benchmark table, then one summary row per benchmark in the units:
// the median over the repetitions and their range (a shared machine makes single runs noisy).
class SummaryReporter : public benchmark::ConsoleReporter {
public:
    struct Row {
        std::string name;
        std::vector<double> tasks_per_s;
        double faults_per_task = 0;
    };
    void ReportRuns(const std::vector<Run> &runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const auto &r : runs) {
            if (r.error_occurred || r.run_type != Run::RT_Iteration)
                continue;
            const auto it = r.counters.find("items_per_second");
            const auto ft = r.counters.find("faults_per_task");
            const std::string name = r.run_name.str();
            if (rows.empty() || rows.back().name != name)
                rows.push_back({name, {}, 0});
            rows.back().tasks_per_s.push_back(it != r.counters.end() ? it->second.value : 0);
            auto &faults = rows.back().faults_per_task;
            if (ft != r.counters.end())
                faults = std::max(faults, ft->second.value);
        }
    }
    std::vector<Row> rows;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_summary(const std::vector<SummaryReporter::Row> &rows)
{
    std::printf("\n| benchmark | runs | ns per task | M tasks/s per core: median (min-max) | "
                "page faults per task (max) |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (const auto &r : rows) {
        const double med = median(r.tasks_per_s);
        const auto [lo, hi] = std::minmax_element(r.tasks_per_s.begin(), r.tasks_per_s.end());
        std::printf("| %s | %zu | %.1f | %.2f (%.2f-%.2f) | %.4f |\n", r.name.c_str(),
                    r.tasks_per_s.size(), med > 0 ? 1e9 / med : 0, med / 1e6, *lo / 1e6, *hi / 1e6,
                    r.faults_per_task);
    }
    std::printf("\nsyscalls per task: bench/micro/syscalls.sh BUILD_DIR (strace, must be 0)\n");
}

} // namespace

int main(int argc, char **argv)
{
    spdlog::set_level(spdlog::level::warn); // the weighted policy logs its classes at create
    if (argc >= 2 && std::strcmp(argv[1], "--probe") == 0)
        return probe(argc, argv);

    bool quick = false;
    for (int i = 1; i < argc; ++i)
        quick = quick || std::strcmp(argv[i], "--quick") == 0;
    // Defaults first, so flags given on the command line (parsed later) win.
    std::string min_time = quick ? "--benchmark_min_time=0.05" : "--benchmark_min_time=0.5";
    std::string reps = quick ? "--benchmark_repetitions=3" : "--benchmark_repetitions=5";
    std::vector<char *> args{argv[0], min_time.data(), reps.data()};
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--quick") != 0)
            args.push_back(argv[i]);
    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data()))
        return 64;
    for (const auto &p : policies)
        for (const auto tasks : task_counts)
            benchmark::RegisterBenchmark(
                (std::string("pass/") + p.name + "/tasks:" + std::to_string(tasks)).c_str(),
                bench_pass, &p, tasks)
                ->Unit(benchmark::kMicrosecond);
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(reporter.rows);
    benchmark::Shutdown();
    return 0;
}
