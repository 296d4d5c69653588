// The queued ring's record (bpf/scxd_intf.h) as the task a policy sees
// (include/scxd/policy.h). Header-only and free of libbpf, so the micro
// benchmark (bench/micro) converts records with exactly the code the daemon
// runs.
#pragma once

#include <cstring>

// scxd_intf.h defines u32 & co. for user space; include it before anything that
// might.
#include "scxd/policy.h"
#include "scxd_intf.h"

namespace scxd {

static_assert(SCXD_D_WAKEUPS == SCXD_REQUEUE_WAKEUPS, "scxd_intf.h and policy.h disagree");

inline scxd_task task_from_queued(const scxd_queued &q)
{
    scxd_task t{};
    t.pid = q.pid;
    t.prev_cpu = q.prev_cpu;
    t.nr_cpus_allowed = q.nr_cpus_allowed;
    t.flags = ((q.flags & SCXD_Q_WAKEUP) ? SCXD_TASK_WAKEUP : 0u) |
              ((q.flags & SCXD_Q_KTHREAD) ? SCXD_TASK_KTHREAD : 0u);
    t.weight = q.weight;
    t.sum_exec_runtime = q.sum_exec_runtime;
    t.enqueue_ns = q.enqueue_ns;
    t.cookie = q.enq_gen;
    std::memcpy(t.comm, q.comm, sizeof(t.comm));
    t.comm[sizeof(t.comm) - 1] = '\0';
    t.tgid = q.tgid;
    t.uid = q.uid;
    t.cgroup_id = q.cgroup_id;
    t.ran_since_placed_ns = q.ran_since_placed_ns;
    return t;
}

// The user ring's record for a decision.
inline void fill_dispatch(scxd_dispatch &rec, const scxd_decision &d)
{
    rec.pid = d.pid;
    rec.cpu = d.cpu;
    rec.slice_ns = d.slice_ns;
    rec.vtime = d.vtime;
    rec.enq_gen = d.cookie;
    rec.requeue_scale = d.requeue_scale;
    rec.requeue_max = d.requeue_max;
    rec.requeue_flags = d.requeue_flags;
    rec.pad = 0;
    rec.wake_lag = d.wake_lag;
    rec.wake_window_ns = d.wake_window_ns;
    rec.wake_preempt_gran = d.wake_preempt_gran;
}

} // namespace scxd
