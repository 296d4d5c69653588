// The workload's tasks: creation, their programs (what each behaviour does when a burst of
// CPU work ends), exits, fork children and [[change]]s.
#include <algorithm>

#include "sim/machine.hpp"
#include "sim/report.hpp"

namespace scxd::sim {

SimTask &Machine::new_task(std::uint32_t group, bool child, std::int32_t prev_cpu)
{
    const auto &g = w_.groups[group];
    auto &t = tasks_.emplace_back();
    t.pid = first_pid_ + static_cast<std::int32_t>(tasks_.size() - 1);
    t.tgid = t.pid;
    t.group = group;
    t.child = child;
    t.weight = g.weight;
    CpuMask mask;
    for (const auto c : g.cpus)
        mask.set(c);
    t.allowed = g.cpus.empty() ? all_cpus_ : mask;
    t.nr_allowed = static_cast<std::uint32_t>(t.allowed.count());
    t.prev_cpu = prev_cpu;
    t.ran_on.assign(ncpus_, 0);
    ++groups_[group].tasks;
    return t;
}

void Machine::create_tasks()
{
    for (std::uint32_t gi = 0; gi < w_.groups.size(); ++gi) {
        const auto &g = w_.groups[gi];
        std::int32_t first = 0;
        for (std::uint32_t i = 0; i < g.count; ++i) {
            // Spread initial tasks over their CPUs, as fork balancing would.
            const auto prev = g.cpus.empty() ? i % ncpus_ : g.cpus[i % g.cpus.size()];
            auto &t = new_task(gi, false, static_cast<std::int32_t>(prev));
            if (i == 0)
                first = t.pid;
            if (g.shared_tgid)
                t.tgid = first;
            t.rng = Rng::stream(cfg_.seed, gi, i);
            const std::uint64_t at = g.start_ns + t.rng.below(g.stagger_ns);
            push(at, EventKind::start, static_cast<std::uint32_t>(tasks_.size() - 1));
        }
    }
}

std::uint64_t Machine::jittered(SimTask &t, std::uint64_t ns)
{
    const std::uint64_t ppm = w_.groups[t.group].jitter_ppm;
    if (ppm == 0 || ns == 0)
        return ns;
    const std::uint64_t span = ns / 1'000'000 * ppm + ns % 1'000'000 * ppm / 1'000'000;
    return std::max<std::uint64_t>(1, ns - span + t.rng.below(2 * span + 1));
}

void Machine::begin_program(SimTask &t)
{
    const auto &g = w_.groups[t.group];
    if (t.child) {
        t.remaining = jittered(t, g.child_run_ns);
        return;
    }
    if (g.exit_after_ns)
        t.exit_at = now_ + *g.exit_after_ns;
    switch (g.behaviour) {
    case Behaviour::hog: t.remaining = g.run_ns; break;
    case Behaviour::cycle: t.remaining = jittered(t, g.run_ns); break;
    case Behaviour::periodic:
    case Behaviour::fork:
        t.job_release = now_;
        t.next_release = now_ + (g.behaviour == Behaviour::periodic ? g.period_ns : g.every_ns);
        t.remaining = jittered(t, g.run_ns);
        break;
    }
}

void Machine::on_start(SimTask &t)
{
    if (t.state != TaskState::unborn)
        return; // killed before it started
    begin_program(t);
    SIM_TRACE("{} starts", who(t));
    wake_task(t, true);
}

void Machine::on_wake(SimTask &t, std::uint64_t token)
{
    if (t.state != TaskState::sleeping || token != t.sleep_token)
        return;
    SIM_TRACE("{} wakes", who(t));
    wake_task(t, false);
}

void Machine::sleep_until(SimTask &t, std::uint64_t until)
{
    set_state(t, TaskState::sleeping);
    SIM_TRACE("{} sleeps for {}", who(t), short_duration(until - now_));
    push(until, EventKind::wake, static_cast<std::uint32_t>(t.pid - first_pid_), ++t.sleep_token);
}

void Machine::exit_task(SimTask &t)
{
    if (t.state == TaskState::placed)
        unplace(t);
    set_state(t, TaskState::exited);
    ++groups_[t.group].exited;
    SIM_TRACE("{} exits", who(t));
    if (backend_.submit_exit(t.pid))
        daemon_notify();
}

void Machine::spawn_children(const SimTask &parent)
{
    const auto &g = w_.groups[parent.group];
    const auto group = parent.group;
    const auto cpu = parent.prev_cpu;
    std::uint64_t seed = tasks_[static_cast<std::size_t>(parent.pid - first_pid_)].rng.next();
    for (std::uint32_t b = 0; b < g.burst; ++b) {
        auto &c = new_task(group, true, cpu);
        c.rng = Rng(seed + b);
        begin_program(c);
        wake_task(c, true);
    }
}

// Counts the iteration a burst completed; true when the task exits now.
bool Machine::finish_iteration(SimTask &t)
{
    const auto &g = w_.groups[t.group];
    auto &acc = groups_[t.group];
    if (t.child) {
        ++acc.iterations; // a fork group's work is its children
        return true;
    }
    ++t.iterations;
    switch (g.behaviour) {
    case Behaviour::hog:
    case Behaviour::cycle: ++acc.iterations; break;
    case Behaviour::periodic:
        ++acc.iterations;
        acc.response.push_back(now_ - t.job_release);
        if (now_ - t.job_release > g.deadline_ns)
            ++acc.misses;
        break;
    case Behaviour::fork: spawn_children(t); break;
    }
    return (g.repeat > 0 && t.iterations >= g.repeat) || now_ >= t.exit_at;
}

// Sets up the task's next burst; true when it sleeps first.
bool Machine::next_burst(SimTask &t)
{
    const auto &g = w_.groups[t.group];
    switch (g.behaviour) {
    case Behaviour::hog: t.remaining = g.run_ns; return false;
    case Behaviour::cycle:
        t.remaining = jittered(t, g.run_ns);
        if (g.sleep_ns == 0)
            return false;
        sleep_until(t, now_ + jittered(t, g.sleep_ns));
        return true;
    case Behaviour::periodic:
    case Behaviour::fork: break;
    }
    const bool periodic = g.behaviour == Behaviour::periodic;
    const std::uint64_t period = periodic ? g.period_ns : g.every_ns;
    t.remaining = jittered(t, g.run_ns);
    t.job_release = t.next_release;
    t.next_release += period;
    for (; t.next_release <= now_; t.next_release += period)
        if (periodic)
            ++groups_[t.group].misses; // a release already past before the late job began
    if (t.job_release <= now_)
        return false; // late: the next job starts at once
    sleep_until(t, t.job_release);
    return true;
}

// The running task on CPU c finished a burst of CPU work.
void Machine::burst_done(std::uint32_t c, SimTask &t)
{
    if (finish_iteration(t)) {
        exit_task(t);
        schedule(c, Prev::none);
    } else if (next_burst(t)) {
        schedule(c, Prev::none);
    } else if (now_ >= cpus_[c].slice_end) {
        schedule(c, Prev::task);
    } else {
        arm_stop(c);
    }
}

void Machine::apply_change(const Change &c)
{
    CpuMask mask;
    if (c.cpus)
        for (const auto cpu : *c.cpus)
            mask.set(cpu);
    SIM_TRACE("change: group {}{}{}{}", w_.groups[c.group].name, c.kill ? ", killed" : "",
              c.nice || c.weight ? ", new weight" : "", c.cpus ? ", new affinity" : "");
    for (auto &t : tasks_)
        if (t.group == c.group && t.state != TaskState::exited)
            change_task(t, c, mask);
}

// As renice / taskset / kill would: a queued task is dequeued and enqueued again (a new
// generation, so its decision in flight goes stale); a running task that may no longer run
// where it is leaves the CPU.
void Machine::change_task(SimTask &t, const Change &c, const CpuMask &mask)
{
    const bool running = t.state == TaskState::running;
    const auto cpu = static_cast<std::uint32_t>(t.prev_cpu);
    if (running)
        account(cpu);
    if (c.kill) {
        if (t.state == TaskState::unborn) {
            set_state(t, TaskState::exited); // never started: nothing to tell anyone
            return;
        }
        exit_task(t);
        if (running)
            schedule(cpu, Prev::none);
        return;
    }
    if (c.nice)
        t.weight = weight_of_nice(*c.nice);
    if (c.weight)
        t.weight = *c.weight;
    if (c.cpus)
        set_allowed(t, mask);
    switch (t.state) {
    case TaskState::queued: enqueue(t, false); break;
    case TaskState::placed:
        unplace(t);
        enqueue(t, false);
        break;
    case TaskState::running:
        if (!t.allowed.test(cpu)) {
            t.runnable_since = now_;
            t.woke = false;
            enqueue(t, false);
            schedule(cpu, Prev::none);
        }
        break; // else its armed stop still holds: accounting moves no deadline
    default: break;
    }
}

} // namespace scxd::sim
