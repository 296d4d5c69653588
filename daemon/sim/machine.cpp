#include "sim/machine.hpp"

#include <algorithm>

namespace scxd::sim {
namespace {

LoopOptions loop_options(const Workload &w)
{
    LoopOptions o;
    o.nr_cpus = w.cpus;
    o.default_slice_ns = w.slice_ns;
    o.max_tasks = w.max_tasks;
    return o;
}

bool waiting(TaskState s) { return s == TaskState::queued || s == TaskState::placed; }

} // namespace

Machine::Machine(const Workload &w, const MachineConfig &cfg, PolicyRef policy,
                 std::uint64_t *clock)
    : w_(w), cfg_(cfg), policy_(policy), clock_(clock), ncpus_(w.cpus), backend_(w.max_tasks),
      loop_(backend_, policy, loop_options(w)), cpus_(w.cpus), groups_(w.groups.size())
{
    for (std::uint32_t c = 0; c < ncpus_; ++c)
        all_cpus_.set(c);
    end_ = w.duration_ns;
    *clock_ = cfg_.clock_base_ns;
}

void Machine::push(std::uint64_t t, EventKind kind, std::uint32_t index, std::uint64_t token)
{
    events_.push(Event{t, seq_++, kind, index, token});
}

void Machine::run()
{
    create_tasks();
    push(heartbeat_ns, EventKind::heartbeat, 0);
    for (std::uint32_t i = 0; i < w_.changes.size(); ++i)
        push(w_.changes[i].at_ns, EventKind::change, i);
    while (!events_.empty() && events_.top().time <= end_) {
        const Event e = events_.top();
        events_.pop();
        advance(e.time);
        handle(e);
        ++stats_.events;
    }
    advance(end_);
    for (std::uint32_t c = 0; c < ncpus_; ++c)
        account(c);
    censor_waits();
}

void Machine::handle(const Event &e)
{
    switch (e.kind) {
    case EventKind::start: on_start(tasks_[e.index]); break;
    case EventKind::wake: on_wake(tasks_[e.index], e.token); break;
    case EventKind::cpu_stop: on_stop(e.index, e.token); break;
    case EventKind::pass_end: on_pass_end(e.index, e.token); break;
    case EventKind::resched:
        cpus_[e.index].resched_queued = false;
        if (cpus_[e.index].what == Running::idle)
            schedule(e.index, Prev::none);
        break;
    case EventKind::heartbeat: on_heartbeat(); break;
    case EventKind::daemon_timeout: on_daemon_timeout(e.token); break;
    case EventKind::change: apply_change(w_.changes[e.index]); break;
    }
}

// Integrates idle time, and idle time while someone waited, up to t.
void Machine::advance(std::uint64_t t)
{
    const std::uint64_t dt = t - now_;
    if (dt > 0) {
        for (const auto &cpu : cpus_) {
            if (cpu.what != Running::idle)
                continue;
            idle_ns_ += dt;
            if (cpu.waiting_allowed > 0)
                idle_waiting_ns_ += dt;
            if (cpu.placed_allowed > 0)
                idle_placed_ns_ += dt;
        }
    }
    now_ = t;
    *clock_ = cfg_.clock_base_ns + t;
}

void Machine::account(std::uint32_t c)
{
    auto &cpu = cpus_[c];
    const std::uint64_t ran = now_ - cpu.since;
    cpu.since = now_;
    if (cpu.what == Running::daemon) {
        daemon_ns_ += ran;
        return;
    }
    if (cpu.what != Running::task || ran == 0)
        return;
    auto &t = task(cpu.pid);
    t.remaining -= std::min(ran, t.remaining);
    t.sum_exec += ran;
    t.cpu_ns += ran;
    t.ran_on[c] += ran;
}

void Machine::count_waiting(const SimTask &t, bool placed, int delta)
{
    for (std::uint32_t c = 0; c < ncpus_; ++c) {
        if (!t.allowed.test(c))
            continue;
        auto &n = placed ? cpus_[c].placed_allowed : cpus_[c].waiting_allowed;
        n = static_cast<std::uint32_t>(static_cast<int>(n) + delta);
    }
}

void Machine::set_state(SimTask &t, TaskState s)
{
    const bool was_waiting = waiting(t.state);
    const bool was_placed = t.state == TaskState::placed;
    if (was_waiting != waiting(s))
        count_waiting(t, false, waiting(s) ? 1 : -1);
    if (was_placed != (s == TaskState::placed))
        count_waiting(t, true, s == TaskState::placed ? 1 : -1);
    t.state = s;
}

void Machine::set_allowed(SimTask &t, const CpuMask &m)
{
    const bool w = waiting(t.state);
    const bool p = t.state == TaskState::placed;
    if (w)
        count_waiting(t, false, -1);
    if (p)
        count_waiting(t, true, -1);
    t.allowed = m;
    t.nr_allowed = static_cast<std::uint32_t>(m.count());
    if (w)
        count_waiting(t, false, 1);
    if (p)
        count_waiting(t, true, 1);
}

SimTask *Machine::find(std::int32_t pid)
{
    const auto i = static_cast<std::int64_t>(pid) - first_pid_;
    if (i < 0 || static_cast<std::size_t>(i) >= tasks_.size())
        return nullptr;
    return &tasks_[static_cast<std::size_t>(i)];
}

SimTask &Machine::task(std::int32_t pid) { return *find(pid); }

void Machine::trace_line(const std::string &what) const
{
    fmt::print(cfg_.trace, "{}.{:09} {}\n", now_ / 1'000'000'000, now_ % 1'000'000'000, what);
}

std::string Machine::who(const SimTask &t) const
{
    return fmt::format("{}/{}", t.pid, w_.groups[t.group].name);
}

bool Machine::idle(std::uint32_t c) const
{
    return cpus_[c].what == Running::idle && !cpus_[c].claimed;
}

} // namespace scxd::sim
