// The daemon: a thread of its own DSQ, woken by the queued ring, running the real
// Loop::run_pass in virtual time. A pass costs CPU time on the CPU it runs on; its decisions
// reach the kernel when it ends. After a pass it does what Loop::run does: yield when it
// dispatched or the policy holds tasks, block when the pass found nothing, else go again.
#include <algorithm>

#include "sim/machine.hpp"
#include "sim/report.hpp"

namespace scxd::sim {

// The ring has a new record: epoll wakes a blocked daemon.
void Machine::daemon_notify()
{
    if (daemon_.state == Daemon::State::sleeping)
        daemon_enqueue();
}

// preempt_for_daemon() in BPF: a woken task waits for the daemon and no CPU is idle.
void Machine::preempt_for_daemon(std::uint32_t c)
{
    if (daemon_.state != Daemon::State::queued)
        return;
    if (const int idle_cpu = pick_idle_cpu(all_cpus_, -1); idle_cpu >= 0) {
        kick(static_cast<std::uint32_t>(idle_cpu)); // it runs the daemon: no preemption
        return;
    }
    if (preempt_for_wakeup(c, cpus_[c].daemon_preempt_ns))
        SIM_TRACE("a woken task waits for the daemon: preempted cpu{}", c);
}

// preempt_for_wakeup() in BPF: at most once per wakeup_preempt for each CPU and rule (`last`).
bool Machine::preempt_for_wakeup(std::uint32_t c, std::uint64_t &last)
{
    if (w_.wakeup_preempt_ns == 0 || now_ - last < w_.wakeup_preempt_ns)
        return false;
    last = now_;
    ++backend_.kernel().wakeup_preempts;
    preempt(c);
    return true;
}

// enqueue_daemon(): its own DSQ, and an idle CPU kicked to run it.
void Machine::daemon_enqueue()
{
    daemon_.state = Daemon::State::queued;
    daemon_.enqueued_at = now_;
    SIM_TRACE("daemon runnable");
    kick_idle(all_cpus_);
}

void Machine::daemon_pass(std::uint32_t c)
{
    daemon_.last = loop_.run_pass();
    daemon_.pending = policy_.nr_pending();
    backend_.notify_complete(daemon_.pending);
    ++daemon_passes_;
    const auto handled = std::max(daemon_.last.drained, daemon_.last.dispatched);
    const std::uint64_t cost = w_.daemon_pass_ns + w_.daemon_task_ns * handled;
    SIM_TRACE("daemon pass on cpu{}: drained {}, dispatched {}, policy holds {}, takes {}", c,
              daemon_.last.drained, daemon_.last.dispatched, daemon_.pending, short_duration(cost));
    push(now_ + cost, EventKind::pass_end, c, cpus_[c].token);
}

void Machine::on_pass_end(std::uint32_t c, std::uint64_t token)
{
    auto &cpu = cpus_[c];
    if (token != cpu.token || cpu.what != Running::daemon)
        return;
    account(c);
    backend_.publish();
    const AfterPass next = after_pass(daemon_.last, daemon_.pending);
    if (next == AfterPass::yield) {
        schedule(c, Prev::daemon); // sched_yield(): this CPU's ops.dispatch inserts them
        return;
    }
    if (next == AfterPass::again || !backend_.ring_empty()) {
        daemon_pass(c); // more to read: no wait (epoll returns at once)
        return;
    }
    daemon_.state = Daemon::State::sleeping; // blocks in epoll until a record arrives
    SIM_TRACE("daemon sleeps");
    push(now_ + daemon_idle_wait_ns, EventKind::daemon_timeout, 0, ++daemon_.timeout_token);
    schedule(c, Prev::none);
}

void Machine::on_daemon_timeout(std::uint64_t token)
{
    if (daemon_.state == Daemon::State::sleeping && token == daemon_.timeout_token)
        daemon_enqueue();
}

} // namespace scxd::sim
