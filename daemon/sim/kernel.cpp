// The kernel half, as bpf/scxd.bpf.c and sched_ext behave: select_cpu, enqueue, dispatch
// (drain the decisions, then daemon / own DSQ / fallback / shared / daemon), slices, kicks.
#include <algorithm>
#include <cstring>

#include "sim/machine.hpp"
#include "sim/report.hpp"

namespace scxd::sim {

int Machine::pick_idle_cpu(const CpuMask &allowed, int prefer)
{
    if (prefer >= 0 && static_cast<std::uint32_t>(prefer) < ncpus_ && allowed.test(prefer) &&
        claim_if_idle(static_cast<std::uint32_t>(prefer)))
        return prefer;
    for (std::uint32_t c = 0; c < ncpus_; ++c) {
        if (allowed.test(c) && claim_if_idle(c)) // scx_bpf_pick_idle_cpu clears the idle bit
            return static_cast<int>(c);
    }
    return -1;
}

// scx_bpf_test_and_clear_cpu_idle(): cpu c was idle and is now claimed.
bool Machine::claim_if_idle(std::uint32_t c)
{
    if (!idle(c))
        return false;
    cpus_[c].claimed = true;
    return true;
}

void Machine::kick(std::uint32_t c)
{
    auto &cpu = cpus_[c];
    if (cpu.what != Running::idle || cpu.resched_queued)
        return; // SCX_KICK_IDLE: a busy CPU is left alone
    cpu.resched_queued = true;
    push(now_, EventKind::resched, c);
}

bool Machine::kick_idle(const CpuMask &allowed)
{
    const int c = pick_idle_cpu(allowed, -1);
    if (c < 0)
        return false;
    kick(static_cast<std::uint32_t>(c));
    return true;
}

// kick_if_idle() in BPF: claim this CPU and wake it, if it is idle.
bool Machine::kick_if_idle(std::uint32_t c)
{
    if (!claim_if_idle(c))
        return false;
    kick(c);
    return true;
}

void Machine::wake_task(SimTask &t, bool is_new)
{
    t.runnable_since = now_;
    t.woke = !is_new;
    if ((t.rq_flags & SCXD_REQUEUE_WAKEUPS) == 0)
        t.rq_scale = 0; // a wakeup ends a standing decision that does not cover wakeups
    if (w_.mode == Mode::builtin_idle && select_idle(t))
        return;
    if (w_.mode == Mode::full_user && !is_new && select_standing(t))
        return;
    enqueue(t, !is_new);
}

// scx_bpf_select_cpu_dfl without SMT or caches: the previous CPU if idle, else any idle one.
bool Machine::select_idle(SimTask &t)
{
    const int c = pick_idle_cpu(t.allowed, t.prev_cpu);
    if (c < 0)
        return false;
    place(t, DsqKind::local, static_cast<std::uint32_t>(c), 0, w_.slice_ns);
    ++backend_.kernel().kernel_dispatches;
    SIM_TRACE("{} -> idle cpu{} (builtin-idle)", who(t), c);
    kick(static_cast<std::uint32_t>(c));
    return true;
}

void Machine::enqueue(SimTask &t, bool wakeup)
{
    if (wakeup && place_woken(t))
        return;
    scxd_task q{};
    q.pid = t.pid;
    q.prev_cpu = t.prev_cpu;
    q.nr_cpus_allowed = t.nr_allowed;
    q.flags = wakeup ? SCXD_TASK_WAKEUP : 0;
    q.weight = t.weight;
    q.sum_exec_runtime = t.sum_exec;
    q.enqueue_ns = *clock_;
    q.cookie = t.gen + 1;
    const auto &comm = w_.groups[t.group].comm;
    std::memcpy(q.comm, comm.data(), std::min(comm.size(), sizeof(q.comm) - 1));
    q.tgid = t.tgid;
    q.uid = w_.groups[t.group].uid;
    q.cgroup_id = w_.groups[t.group].cgroup_id;
    q.ran_since_placed_ns = t.sum_exec - t.rq_exec;
    if (!backend_.submit_task(q)) {
        // User space cannot take it now: FIFO on any CPU, as BPF does.
        place(t, DsqKind::fallback, 0, 0, w_.slice_ns);
        ++backend_.kernel().congested;
        SIM_TRACE("{} -> fallback DSQ (queued ring full)", who(t));
        kick_idle(t.allowed);
        return;
    }
    ++t.gen;
    set_state(t, TaskState::queued);
    SIM_TRACE("{} -> user space (gen {}{})", who(t), t.gen, wakeup ? ", wakeup" : "");
    daemon_notify();
    if (wakeup)
        preempt_for_daemon(t.prev_cpu >= 0 ? static_cast<std::uint32_t>(t.prev_cpu) : 0);
}

void Machine::place(SimTask &t, DsqKind kind, std::uint32_t c, std::uint64_t vtime,
                    std::uint64_t slice)
{
    t.dsq = kind;
    t.dsq_cpu = c;
    t.dsq_key = DsqEntry{kind == DsqKind::local || kind == DsqKind::fallback ? 0 : vtime,
                         ++dsq_seq_, t.pid};
    t.slice = slice;
    switch (kind) {
    case DsqKind::local: cpus_[c].local.insert(t.dsq_key); break;
    case DsqKind::cpu: cpus_[c].own.insert(t.dsq_key); break;
    case DsqKind::shared: shared_.insert(t.dsq_key); break;
    case DsqKind::fallback: fallback_.insert(t.dsq_key); break;
    case DsqKind::none: break;
    }
    set_state(t, TaskState::placed);
}

void Machine::unplace(SimTask &t)
{
    switch (t.dsq) {
    case DsqKind::local: cpus_[t.dsq_cpu].local.erase(t.dsq_key); break;
    case DsqKind::cpu: cpus_[t.dsq_cpu].own.erase(t.dsq_key); break;
    case DsqKind::shared: shared_.erase(t.dsq_key); break;
    case DsqKind::fallback: fallback_.erase(t.dsq_key); break;
    case DsqKind::none: break;
    }
    t.dsq = DsqKind::none;
}

// insert_decision() for at most one batch of the dispatch ring; how many were inserted.
std::uint32_t Machine::insert_decisions(std::uint32_t self, bool self_takes)
{
    auto &k = backend_.kernel();
    std::uint32_t inserted = 0;
    for (std::uint32_t n = 0; n < dispatch_batch; ++n) {
        const auto d = backend_.take_decision();
        if (!d)
            break;
        SimTask *t = find(d->pid);
        if (t == nullptr || t->state == TaskState::exited || t->state == TaskState::unborn) {
            ++k.failed_dispatches;
            SIM_TRACE("decision for pid {}: failed (no such task)", d->pid);
            continue;
        }
        if (t->gen != d->cookie) {
            ++k.cancel_dispatches; // re-enqueued since user space saw it
            SIM_TRACE("decision for {}: cancelled (gen {}, task is at gen {})", who(*t), d->cookie,
                      t->gen);
            continue;
        }
        ++k.user_dispatches;
        if (t->state != TaskState::queued) {
            ++stats_.ignored_decisions; // the kernel drops a second insert of one enqueue
            SIM_TRACE("decision for {}: ignored (a second one for gen {})", who(*t), t->gen);
            continue;
        }
        bool to_cpu = false;
        std::int32_t target = d->cpu;
        if (d->cpu >= 0 && static_cast<std::uint32_t>(d->cpu) < ncpus_) {
            if (t->allowed.test(static_cast<std::size_t>(d->cpu)))
                to_cpu = true;
            else
                ++k.bounce_dispatches;
        }
        if (!to_cpu && t->nr_allowed == 1) { // as bpf/scxd.bpf.c decision_dsq(): its own CPU
            for (std::uint32_t i = 0; i < ncpus_; ++i)
                if (t->allowed.test(i))
                    target = static_cast<std::int32_t>(i);
            to_cpu = true;
        }
        const auto c = static_cast<std::uint32_t>(to_cpu ? target : 0);
        const auto kind = to_cpu ? DsqKind::cpu : DsqKind::shared;
        SIM_TRACE("decision for {}: cpu {} vtime {} slice {} -> {}", who(*t), d->cpu, d->vtime,
                  short_duration(d->slice_ns),
                  to_cpu ? fmt::format("DSQ of cpu{}", c)
                         : (d->cpu >= 0 ? "shared DSQ (bounced)" : "shared DSQ"));
        arm_standing(*t, *d, kind, c);
        // Settled at the first decision for the shared DSQ, as in BPF: one of this drain's
        // decisions may have gone to this CPU's own DSQ since.
        if (kind == DsqKind::shared && self_takes)
            self_takes = cpus_[self].own.empty();
        if (kind == DsqKind::shared && self_takes) {
            self_takes = false; // this CPU takes it: no idle CPU is kicked for it
            place(*t, kind, c, d->vtime, d->slice_ns);
        } else {
            insert_decided(*t, kind, c, d->vtime, d->slice_ns, self, t->woke);
        }
        ++inserted;
    }
    return inserted;
}

// run_decision_on() in BPF: wake the CPU if idle; preempt it for a woken task if busy.
void Machine::run_decision_on(std::uint32_t c, std::uint32_t self, bool woken)
{
    if (!kick_if_idle(c) && woken && c != self &&
        preempt_for_wakeup(c, cpus_[c].decision_preempt_ns))
        SIM_TRACE("decision for a woken task on busy cpu{}: preempted it", c);
}

// insert_decided() in BPF: into a CPU's own or the shared queue, and a CPU to take it.
void Machine::insert_decided(SimTask &t, DsqKind kind, std::uint32_t c, std::uint64_t vtime,
                             std::uint64_t slice, std::uint32_t self, bool woken)
{
    place(t, kind, c, vtime, slice);
    if (kind == DsqKind::cpu)
        run_decision_on(c, self, woken);
    else
        kick_idle(t.allowed);
}

// arm_standing() in BPF (the loop zeroes both requeue members unless both are set).
void Machine::arm_standing(SimTask &t, const scxd_decision &d, DsqKind kind, std::uint32_t c) const
{
    t.rq_vtime = d.vtime;
    t.rq_exec = t.sum_exec;
    t.rq_slice = d.slice_ns;
    t.rq_kind = kind;
    t.rq_cpu = c;
    t.rq_scale = d.requeue_scale;
    t.rq_left = d.requeue_max;
    t.rq_flags = d.requeue_flags;
    t.rq_lag = d.wake_lag;
    t.rq_window_end = d.wake_window_ns > 0 ? now_ + d.wake_window_ns : 0;
    t.rq_gran = d.wake_preempt_gran;
}

// standing() in BPF: the decision said where the task goes at its slice end.
bool Machine::standing(const SimTask &t) const
{
    return t.rq_scale > 0 && (t.rq_kind != DsqKind::cpu || t.allowed.test(t.rq_cpu));
}

// may_requeue() in BPF.
bool Machine::may_requeue(const SimTask &t) const { return standing(t) && t.rq_left > 0; }

std::uint64_t Machine::requeue_vtime(const SimTask &t) const
{
    return t.rq_vtime + (((t.sum_exec - t.rq_exec) * t.rq_scale) >> 16);
}

void Machine::requeue_advance(SimTask &t, std::uint64_t vtime)
{
    t.rq_vtime = vtime;
    t.rq_exec = t.sum_exec;
    --t.rq_left;
}

// keep_prev() in BPF: nothing waiting here is due before prev, so it keeps the CPU.
bool Machine::keep_prev(std::uint32_t c, SimTask &prev)
{
    if (!may_requeue(prev) || !fallback_.empty())
        return false;
    const auto vtime = requeue_vtime(prev);
    const auto any = [](std::int32_t) { return true; }; // scx_bpf_dsq_peek: the head
    const auto ahead = [&](const Dsq &q) {
        const auto e = q.first(any);
        return e && static_cast<std::int64_t>(e->vtime - vtime) < 0;
    };
    if (ahead(cpus_[c].own) || ahead(shared_))
        return false;
    requeue_advance(prev, vtime);
    ++backend_.kernel().kernel_requeues;
    cpus_[c].vtime = vtime;
    return true;
}

// requeue() in BPF: a task that stays runnable goes back in line without user space.
bool Machine::requeue(SimTask &t, std::uint32_t self)
{
    if (!may_requeue(t))
        return false;
    ++t.gen; // a decision still on its way is for an older place
    requeue_advance(t, requeue_vtime(t));
    ++backend_.kernel().kernel_requeues;
    SIM_TRACE("{} requeued by BPF at vtime {} ({} more)", who(t), t.rq_vtime, t.rq_left);
    insert_decided(t, t.rq_kind, t.rq_cpu, t.rq_vtime, t.rq_slice, self, false);
    return true;
}

// in_wake_window() in BPF: a wakeup now uses no turn.
bool Machine::in_wake_window(const SimTask &t) const
{
    return t.rq_window_end > 0 && now_ < t.rq_window_end;
}

// wakeup_stands() in BPF: the standing decision covers this wakeup.
bool Machine::wakeup_stands(const SimTask &t) const
{
    return standing(t) && (t.rq_flags & SCXD_REQUEUE_WAKEUPS) != 0 &&
           (t.rq_left > 0 || in_wake_window(t));
}

// woken_vtime() in BPF: its vtime, at most rq_lag behind cpu c's virtual time.
std::uint64_t Machine::woken_vtime(const SimTask &t, std::uint32_t c) const
{
    const std::uint64_t vtime = requeue_vtime(t);
    const std::uint64_t floor = cpus_[c].vtime - t.rq_lag;
    return static_cast<std::int64_t>(vtime - floor) < 0 ? floor : vtime;
}

// woken_placed() in BPF: the wakeup uses one of the standing decision's turns, unless in
// its window.
void Machine::woken_placed(SimTask &t, std::uint64_t vtime)
{
    ++t.gen;
    t.rq_vtime = vtime;
    t.rq_exec = t.sum_exec;
    if (t.rq_left > 0 && !in_wake_window(t))
        --t.rq_left;
    ++backend_.kernel().kernel_wakeups;
}

// due_first() in BPF: nothing waiting for cpu c is due before vtime.
bool Machine::due_first(std::uint32_t c, std::uint64_t vtime) const
{
    const auto any = [](std::int32_t) { return true; }; // scx_bpf_dsq_peek: the head
    const auto ahead = [&](const Dsq &q) {
        const auto e = q.first(any);
        return e && static_cast<std::int64_t>(e->vtime - vtime) < 0;
    };
    return !ahead(cpus_[c].own) && !ahead(shared_) && fallback_.empty();
}

// claim_idle() in BPF: the decision's CPU for a per-CPU queue; else c first, then any.
int Machine::claim_idle(const SimTask &t, int c)
{
    if (t.rq_kind == DsqKind::cpu)
        return claim_if_idle(t.rq_cpu) ? static_cast<int>(t.rq_cpu) : -1;
    return pick_idle_cpu(t.allowed, c);
}

// select_standing() in BPF (full-user): a covered wakeup runs at once on an idle CPU.
bool Machine::select_standing(SimTask &t)
{
    if (!wakeup_stands(t))
        return false;
    const int idle_cpu = claim_idle(t, t.prev_cpu);
    if (idle_cpu < 0)
        return false;
    const auto c = static_cast<std::uint32_t>(idle_cpu);
    const std::uint64_t vtime = woken_vtime(t, c);
    kick(c);
    if (!due_first(c, vtime))
        return false; // what waits goes first; enqueue() puts this one in line
    woken_placed(t, vtime);
    place(t, DsqKind::local, c, 0, t.rq_slice);
    cpus_[c].vtime = vtime;
    SIM_TRACE("{} woken, on idle cpu{} by BPF at vtime {} ({} more)", who(t), c, vtime, t.rq_left);
    return true;
}

// place_woken() in BPF: a wakeup in line by itself, at most rq_lag behind the virtual time
// of the CPU it goes to (its previous CPU's for the shared queue).
bool Machine::place_woken(SimTask &t)
{
    if (!wakeup_stands(t))
        return false;
    const std::uint32_t c =
        t.rq_kind == DsqKind::cpu ? t.rq_cpu : static_cast<std::uint32_t>(t.prev_cpu);
    if (c >= ncpus_)
        return false;
    const std::uint64_t vtime = woken_vtime(t, c);
    woken_placed(t, vtime);
    const int idle_cpu = claim_idle(t, static_cast<int>(c));
    if (idle_cpu >= 0) {
        const auto i = static_cast<std::uint32_t>(idle_cpu);
        kick(i);
        if (t.rq_kind == DsqKind::shared && due_first(i, vtime)) {
            place(t, DsqKind::local, i, 0, t.rq_slice);
            cpus_[i].vtime = vtime;
            SIM_TRACE("{} woken, on idle cpu{} by BPF at vtime {} ({} more)", who(t), i, vtime,
                      t.rq_left);
            return true;
        }
    }
    SIM_TRACE("{} woken, placed by BPF at vtime {} ({} more)", who(t), vtime, t.rq_left);
    place(t, t.rq_kind, t.rq_cpu, vtime, t.rq_slice);
    // Due before what runs there by more than its granularity: preempt it (even the CPU the
    // wakeup came from); due_before_current() in BPF.
    if (idle_cpu < 0 &&
        static_cast<std::int64_t>(cpus_[c].vtime - vtime) > static_cast<std::int64_t>(t.rq_gran) &&
        preempt_for_wakeup(c, cpus_[c].decision_preempt_ns))
        SIM_TRACE("woken {} is due first on busy cpu{}: preempted it", who(t), c);
    return true;
}

bool Machine::daemon_overdue() const
{
    return daemon_.state == Daemon::State::queued && now_ - daemon_.enqueued_at > heartbeat_ns;
}

Machine::Pick Machine::pick_next(std::uint32_t c, SimTask *prev)
{
    const bool prev_to_user = prev != nullptr && !standing(*prev);
    auto &cpu = cpus_[c];
    const auto take = [&](const DsqEntry &e) {
        auto &t = task(e.pid);
        unplace(t);
        return Pick{Next::task, e.pid};
    };
    // The kernel skips ops.dispatch while the local DSQ has tasks.
    if (auto e = cpu.local.first([](std::int32_t) { return true; }))
        return take(*e);
    auto &k = backend_.kernel();
    const auto fits = [&](std::int32_t pid) { return task(pid).allowed.test(c); };
    // The kernel calls ops.dispatch again while it inserted something but found nothing here.
    for (std::uint32_t loop = 0; loop < dispatch_max_loops; ++loop) {
        // dctx.self_takes in BPF: going idle with nothing queued here
        const bool self_takes = prev == nullptr && cpu.own.empty() && fallback_.empty() &&
                                shared_.empty() && backend_.unread_tasks() == 0;
        const auto inserted = insert_decisions(c, self_takes);
        // prev_goes_to_user() in BPF: prev is put after this choice, so run the daemon first.
        if ((backend_.unread_tasks() > 0 || prev_to_user || daemon_overdue()) &&
            daemon_.state == Daemon::State::queued) {
            ++k.daemon_dispatches;
            return Pick{Next::daemon, 0};
        }
        if (prev != nullptr && keep_prev(c, *prev))
            return Pick{Next::keep, prev->pid};
        if (auto e = cpu.own.first(fits)) {
            cpu.vtime = e->vtime; // take() in BPF: the head's vtime
            return take(*e);
        }
        if (auto e = fallback_.first(fits))
            return take(*e);
        if (auto e = shared_.first(fits)) {
            const auto head = shared_.first([](std::int32_t) { return true; });
            cpu.vtime = head ? head->vtime : e->vtime;
            return take(*e);
        }
        if (daemon_.state == Daemon::State::queued) {
            ++k.daemon_dispatches;
            return Pick{Next::daemon, 0};
        }
        if (inserted == 0)
            break;
    }
    return Pick{};
}

// The CPU needs its next task: prev (if any) is still runnable.
void Machine::schedule(std::uint32_t c, Prev prev)
{
    auto &cpu = cpus_[c];
    cpu.claimed = false;
    const Pick next = pick_next(c, prev == Prev::task ? &task(cpu.pid) : nullptr);
    if (next.what == Next::keep) {
        cpu.slice_end = slice_end(task(cpu.pid).rq_slice);
        SIM_TRACE("cpu{}: {} is still due first and keeps it (BPF)", c, who(task(cpu.pid)));
        arm_stop(c);
        return;
    }
    if (next.what == Next::none) {
        if (prev == Prev::task) { // no ENQ_LAST: keep running with a fresh default slice
            ++stats_.kept_running;
            cpu.slice_end = slice_end(kernel_slice_dfl_ns);
            SIM_TRACE("cpu{}: nothing else to run, {} keeps it", c, who(task(cpu.pid)));
            arm_stop(c);
        } else if (prev == Prev::daemon) {
            daemon_pass(c);
        } else {
            cpu.what = Running::idle;
            ++cpu.token;
            SIM_TRACE("cpu{} idle", c);
        }
        return;
    }
    // As the kernel does: ops.dispatch chose `next`; then prev is put (ops.enqueue), and only
    // then does `next` run, so a daemon pass starting now already sees prev in the ring.
    if (prev == Prev::task) {
        ++stats_.preemptions;
        auto &p = task(cpu.pid);
        SIM_TRACE("cpu{}: {} preempted", c, who(p));
        p.runnable_since = now_;
        p.woke = false;
        if (!requeue(p, c))
            enqueue(p, false);
    } else if (prev == Prev::daemon) {
        daemon_enqueue();
    }
    start(c, next);
}

void Machine::start(std::uint32_t c, const Pick &next)
{
    auto &cpu = cpus_[c];
    ++cpu.token;
    ++stats_.context_switches;
    cpu.since = now_;
    cpu.claimed = false;
    if (next.what == Next::daemon) {
        cpu.what = Running::daemon;
        cpu.pid = 0;
        daemon_.state = Daemon::State::running;
        daemon_.cpu = c;
        SIM_TRACE("cpu{} runs the daemon", c);
        daemon_pass(c);
        return;
    }
    auto &t = task(next.pid);
    cpu.what = Running::task;
    cpu.pid = t.pid;
    cpu.slice_end = slice_end(t.slice);
    set_state(t, TaskState::running);
    auto &g = groups_[t.group];
    g.wait.push_back(now_ - t.runnable_since);
    if (t.woke)
        g.wakeup.push_back(now_ - t.runnable_since);
    t.woke = false;
    if (!t.allowed.test(c))
        ++stats_.affinity_violations;
    SIM_TRACE("cpu{} runs {} for up to {} after {} waiting", c, who(t), short_duration(t.slice),
              short_duration(now_ - t.runnable_since));
    t.prev_cpu = static_cast<std::int32_t>(c);
    arm_stop(c);
}

// The kernel notices a used-up slice in its tick.
std::uint64_t Machine::slice_end(std::uint64_t slice) const
{
    const std::uint64_t end = now_ + slice;
    if (w_.tick_ns == 0)
        return end;
    return (end + w_.tick_ns - 1) / w_.tick_ns * w_.tick_ns;
}

void Machine::arm_stop(std::uint32_t c)
{
    auto &cpu = cpus_[c];
    ++cpu.token; // one stop armed per CPU: any earlier one is void
    const auto &t = task(cpu.pid);
    const std::uint64_t slice_left = cpu.slice_end > now_ ? cpu.slice_end - now_ : 0;
    push(now_ + std::min(t.remaining, slice_left), EventKind::cpu_stop, c, cpu.token);
}

void Machine::on_stop(std::uint32_t c, std::uint64_t token)
{
    auto &cpu = cpus_[c];
    if (token != cpu.token || cpu.what != Running::task)
        return;
    account(c);
    auto &t = task(cpu.pid);
    if (t.remaining == 0) {
        burst_done(c, t);
        return;
    }
    schedule(c, Prev::task); // slice expired
}

// SCX_KICK_PREEMPT: the running task's slice ends now.
void Machine::preempt(std::uint32_t c)
{
    auto &cpu = cpus_[c];
    if (cpu.what == Running::idle) {
        kick(c);
        return;
    }
    if (cpu.what != Running::task)
        return;
    cpu.slice_end = now_;
    on_stop(c, cpu.token);
}

void Machine::on_heartbeat()
{
    if (daemon_overdue()) {
        ++backend_.kernel().heartbeat_kicks;
        SIM_TRACE("heartbeat: the daemon waited too long, preempting cpu0");
        preempt(0); // the timer's CPU
    }
    push(now_ + heartbeat_ns, EventKind::heartbeat, 0);
}

} // namespace scxd::sim
