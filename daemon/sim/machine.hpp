// The simulated machine: N CPUs, the kernel half's semantics (bpf/scxd.bpf.c plus the parts
// of sched_ext it relies on), the tasks of a workload, and the daemon, which runs the real
// Loop::run_pass on a CPU of its own choosing, in virtual time. Internal to daemon/sim:
// simulate() (simulator.hpp) is the interface.
#pragma once

#include <bitset>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/loop.hpp"
#include "sim/dsq.hpp"
#include "sim/result.hpp"
#include "sim/rng.hpp"
#include "sim/sim_backend.hpp"
#include "sim/workload.hpp"

// A trace line from a Machine member, built only when tracing.
#define SIM_TRACE(...)                                                                             \
    do {                                                                                           \
        if (tracing())                                                                             \
            trace_line(fmt::format(__VA_ARGS__));                                                  \
    } while (0)

namespace scxd::sim {

using CpuMask = std::bitset<1024>; // SCXD_MAX_CPUS

// Constants of the real thing the simulation mirrors.
inline constexpr std::uint64_t kernel_slice_dfl_ns = 20'000'000;  // SCX_SLICE_DFL: kept prev
inline constexpr std::uint64_t heartbeat_ns = 50'000'000;         // bpf/scxd.bpf.c
inline constexpr std::uint64_t daemon_idle_wait_ns = 100'000'000; // LoopOptions::idle_wait
inline constexpr std::uint32_t dispatch_batch = 32;               // SCXD_DISPATCH_BATCH
inline constexpr std::uint32_t dispatch_max_loops = 32;           // SCX_DSP_MAX_LOOPS

enum class TaskState : std::uint8_t {
    unborn,
    sleeping,
    queued, // sent to user space: in the ring, held by the policy, or its decision in flight
    placed, // in a dispatch queue, waiting for a CPU
    running,
    exited,
};

enum class DsqKind : std::uint8_t { none, local, cpu, shared, fallback };

struct SimTask {
    std::int32_t pid = 0;
    std::int32_t tgid = 0;
    std::uint32_t group = 0;
    bool child = false; // a fork child: runs once and exits
    std::uint64_t weight = 100;
    CpuMask allowed;
    std::uint32_t nr_allowed = 0;
    TaskState state = TaskState::unborn;
    std::uint64_t gen = 0; // enqueue generation: the cookie a decision must echo
    std::int32_t prev_cpu = 0;
    std::uint64_t sum_exec = 0;
    std::uint64_t runnable_since = 0;
    bool woke = false; // the current runnable period began with a wakeup
    DsqKind dsq = DsqKind::none;
    std::uint32_t dsq_cpu = 0;
    DsqEntry dsq_key;
    std::uint64_t slice = 0; // of the placement it waits in
    // The standing decision for slice ends (requeue() in bpf/scxd.bpf.c).
    std::uint64_t rq_vtime = 0;
    std::uint64_t rq_exec = 0;
    std::uint64_t rq_slice = 0;
    DsqKind rq_kind = DsqKind::none;
    std::uint32_t rq_cpu = 0;
    std::uint32_t rq_scale = 0;
    std::uint32_t rq_left = 0;
    std::uint32_t rq_flags = 0; // SCXD_REQUEUE_WAKEUPS: place_woken()
    std::uint64_t rq_lag = 0;
    std::uint64_t rq_window_end = 0; // wakeups before this time use no turn (0: none)
    std::uint64_t rq_gran = 0;       // a placed wakeup preempts when due more than this first
    // Its program (see tasks.cpp).
    std::uint64_t remaining = 0; // CPU time left in the current burst
    std::uint64_t iterations = 0;
    std::uint64_t job_release = 0;
    std::uint64_t next_release = 0;
    std::uint64_t exit_at = UINT64_MAX;
    std::uint64_t sleep_token = 0;
    Rng rng;
    // Measured.
    std::uint64_t cpu_ns = 0;
    std::vector<std::uint64_t> ran_on;
};

enum class Running : std::uint8_t { idle, task, daemon };

struct SimCpu {
    Running what = Running::idle;
    std::int32_t pid = 0;
    std::uint64_t since = 0;     // start of the stretch not yet accounted
    std::uint64_t slice_end = 0; // of the running task
    std::uint64_t token = 0;     // bumped on every switch: older stop events are void
    bool claimed = false;        // idle, but chosen for a task already
    bool resched_queued = false;
    Dsq local;                         // SCX_DSQ_LOCAL: builtin-idle placements
    Dsq own;                           // the per-CPU DSQ decisions for this CPU go to
    std::uint32_t waiting_allowed = 0; // waiting tasks that may run here
    std::uint32_t placed_allowed = 0;  // ... of which have a decision
    std::uint64_t vtime = 0; // cpu_vtime in BPF: of the task it last took by vtime or kept
    // When it was last preempted for the daemon, and for a woken task (BPF's per-CPU limits)
    std::uint64_t daemon_preempt_ns = 0;
    std::uint64_t decision_preempt_ns = 0;
};

enum class EventKind : std::uint8_t {
    start,          // a workload task appears
    wake,           // a sleeping task's sleep ends
    cpu_stop,       // the running task's burst or slice ends
    pass_end,       // the daemon finished a loop pass
    resched,        // an idle CPU was kicked
    heartbeat,      // the BPF heartbeat timer
    daemon_timeout, // the daemon's idle wait timed out
    change,         // a [[change]] of the workload
};

struct Event {
    std::uint64_t time;
    std::uint64_t seq;
    EventKind kind;
    std::uint32_t index; // task, CPU or change, by kind
    std::uint64_t token;
    bool operator>(const Event &o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

struct MachineConfig {
    std::uint64_t seed = 1;
    std::FILE *trace = nullptr;                  // one line per scheduling event, when set
    std::uint64_t clock_base_ns = 1'000'000'000; // the host clock at virtual time 0
};

class Machine {
public:
    Machine(const Workload &w, const MachineConfig &cfg, PolicyRef policy, std::uint64_t *clock);
    Machine(const Machine &) = delete;
    Machine &operator=(const Machine &) = delete;

    void run();
    [[nodiscard]] RunResult result() const;

private:
    enum class Prev : std::uint8_t { none, task, daemon };
    enum class Next : std::uint8_t { none, task, daemon, keep };
    struct Pick {
        Next what = Next::none;
        std::int32_t pid = 0;
    };
    struct GroupAcc {
        std::vector<std::uint64_t> wait, wakeup, response;
        std::uint64_t misses = 0;
        std::uint64_t iterations = 0;
        std::uint32_t tasks = 0;
        std::uint64_t exited = 0;
    };
    struct Daemon {
        enum class State : std::uint8_t { sleeping, queued, running } state = State::sleeping;
        std::uint32_t cpu = 0;
        std::uint64_t enqueued_at = 0;
        PassResult last;
        std::uint64_t pending = 0;
        std::uint64_t timeout_token = 0;
    };

    // Time and events (machine.cpp).
    void push(std::uint64_t t, EventKind kind, std::uint32_t index, std::uint64_t token = 0);
    void advance(std::uint64_t t);
    void handle(const Event &e);
    void account(std::uint32_t cpu);
    void set_state(SimTask &t, TaskState s);
    void set_allowed(SimTask &t, const CpuMask &m);
    void count_waiting(const SimTask &t, bool placed, int delta);
    SimTask &task(std::int32_t pid);
    SimTask *find(std::int32_t pid);
    [[nodiscard]] bool idle(std::uint32_t cpu) const;

    // "1.000123456 <what>" to the trace file. Call through SIM_TRACE, which formats nothing
    // unless there is a trace file.
    void trace_line(const std::string &what) const;
    [[nodiscard]] bool tracing() const { return cfg_.trace != nullptr; }
    [[nodiscard]] std::string who(const SimTask &t) const;

    // The kernel half (kernel.cpp).
    void wake_task(SimTask &t, bool is_new);
    bool select_idle(SimTask &t);
    void enqueue(SimTask &t, bool wakeup);
    void place(SimTask &t, DsqKind kind, std::uint32_t cpu, std::uint64_t vtime,
               std::uint64_t slice);
    void unplace(SimTask &t);
    std::uint32_t insert_decisions(std::uint32_t self, bool self_takes);
    void run_decision_on(std::uint32_t cpu, std::uint32_t self, bool woken);
    Pick pick_next(std::uint32_t cpu, SimTask *prev);
    void insert_decided(SimTask &t, DsqKind kind, std::uint32_t cpu, std::uint64_t vtime,
                        std::uint64_t slice, std::uint32_t self, bool woken);
    void arm_standing(SimTask &t, const scxd_decision &d, DsqKind kind, std::uint32_t cpu) const;
    [[nodiscard]] bool standing(const SimTask &t) const;
    [[nodiscard]] bool may_requeue(const SimTask &t) const;
    [[nodiscard]] std::uint64_t requeue_vtime(const SimTask &t) const;
    void requeue_advance(SimTask &t, std::uint64_t vtime);
    bool keep_prev(std::uint32_t cpu, SimTask &prev);
    bool requeue(SimTask &t, std::uint32_t self);
    [[nodiscard]] bool in_wake_window(const SimTask &t) const;
    [[nodiscard]] bool wakeup_stands(const SimTask &t) const;
    [[nodiscard]] std::uint64_t woken_vtime(const SimTask &t, std::uint32_t cpu) const;
    void woken_placed(SimTask &t, std::uint64_t vtime);
    [[nodiscard]] bool due_first(std::uint32_t cpu, std::uint64_t vtime) const;
    int claim_idle(const SimTask &t, int cpu);
    bool select_standing(SimTask &t);
    bool place_woken(SimTask &t);
    [[nodiscard]] bool daemon_overdue() const;
    void schedule(std::uint32_t cpu, Prev prev);
    void start(std::uint32_t cpu, const Pick &next);
    void arm_stop(std::uint32_t cpu);
    [[nodiscard]] std::uint64_t slice_end(std::uint64_t slice) const;
    void on_stop(std::uint32_t cpu, std::uint64_t token);
    void preempt(std::uint32_t cpu);
    int pick_idle_cpu(const CpuMask &allowed, int prefer);
    bool claim_if_idle(std::uint32_t cpu);
    bool kick_idle(const CpuMask &allowed);
    bool kick_if_idle(std::uint32_t cpu);
    void kick(std::uint32_t cpu);
    void on_heartbeat();

    // The daemon (daemon.cpp).
    void daemon_notify();
    void daemon_enqueue();
    void preempt_for_daemon(std::uint32_t cpu);
    bool preempt_for_wakeup(std::uint32_t cpu, std::uint64_t &last);
    void daemon_pass(std::uint32_t cpu);
    void on_pass_end(std::uint32_t cpu, std::uint64_t token);
    void on_daemon_timeout(std::uint64_t token);

    // Tasks and their programs (tasks.cpp).
    void create_tasks();
    SimTask &new_task(std::uint32_t group, bool child, std::int32_t prev_cpu);
    void begin_program(SimTask &t);
    void on_start(SimTask &t);
    void on_wake(SimTask &t, std::uint64_t token);
    void burst_done(std::uint32_t cpu, SimTask &t);
    bool finish_iteration(SimTask &t);
    bool next_burst(SimTask &t);
    void sleep_until(SimTask &t, std::uint64_t until);
    void exit_task(SimTask &t);
    void spawn_children(const SimTask &parent);
    void apply_change(const Change &c);
    void change_task(SimTask &t, const Change &c, const CpuMask &mask);
    std::uint64_t jittered(SimTask &t, std::uint64_t ns);

    // Results (results.cpp).
    void censor_waits();
    GroupResult group_result(std::uint32_t g) const;

    const Workload &w_;
    MachineConfig cfg_;
    PolicyRef policy_;
    std::uint64_t *clock_;
    std::uint32_t ncpus_;
    CpuMask all_cpus_;
    SimBackend backend_;
    Loop loop_;
    std::uint64_t now_ = 0;
    std::uint64_t end_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t dsq_seq_ = 0;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
    std::vector<SimCpu> cpus_;
    std::deque<SimTask> tasks_; // references stay valid as children are added
    std::int32_t first_pid_ = 1000;
    Dsq shared_;
    Dsq fallback_;
    Daemon daemon_;
    std::vector<GroupAcc> groups_;
    // Totals.
    std::uint64_t idle_ns_ = 0;
    std::uint64_t idle_waiting_ns_ = 0;
    std::uint64_t idle_placed_ns_ = 0;
    std::uint64_t daemon_ns_ = 0;
    std::uint64_t daemon_passes_ = 0;
    SimStats stats_;
};

} // namespace scxd::sim
