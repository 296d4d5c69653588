/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scxd's kernel half: a policy-agnostic sched_ext scheduler that hands runnable tasks to the
 * user-space daemon through a ring buffer and inserts the daemon's decisions, read from a
 * user ring buffer, into dispatch queues. It never decides order itself; it places a task
 * without user space only where waiting would deadlock or be pointless (the daemon's own
 * threads, per-CPU kernel threads, a wakeup that finds an idle CPU, a full ring), or where
 * the policy's last decision for the task says what it would decide (standing decisions).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "compat.bpf.h"
#include "scxd_intf.h"

char _license[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000

/* Set by the daemon before load. */
const volatile u32 nr_cpus = 1;
const volatile s32 daemon_tgid;
const volatile u64 default_slice_ns = 5000000ULL;
const volatile bool builtin_idle = true;
/* A woken task that finds every CPU busy preempts one, for the daemon to place it or for its
 * decision to run, at most once per this many ns for each (0: never; it then waits for the
 * next slice end). */
const volatile u64 wakeup_preempt_ns = 250000ULL;

/* Shared with the daemon through the mmap'd .bss: no syscall on either side. */
struct scxd_counters counters;
struct scxd_user_state user_state;
struct scxd_exit_info exit_info;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the daemon before load */
} queued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 1 << 20);
} dispatched SEC(".maps");

/*
 * Heartbeat: the daemon must never be left runnable but unconsumed. Every CPU consumes its
 * DSQ first while tasks wait for it, and an idle CPU is kicked when it wakes; if it still
 * waited longer than a heartbeat period (all CPUs busy with long slices), preempt the CPU
 * the timer fires on.
 */
#define HEARTBEAT_NS (50ULL * 1000 * 1000)

struct heartbeat {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct heartbeat);
} heartbeat SEC(".maps");

u64 daemon_enqueued_ns; /* when the daemon last entered its DSQ */
u64 last_wakeup_queued; /* counters.queued right after the latest wakeup record */
s32 last_wakeup_cpu; /* the CPU of that woken task: where to preempt for the daemon */
/* When each CPU was last preempted for the daemon (preempt_for_daemon()), and for a woken
 * task's decision or placement (run_decision_on(), place_woken()). Per CPU: wakeups on
 * different CPUs (tasks sleeping on timers of one period) often come microseconds apart, and
 * one machine-wide limit let only the first of them preempt; the others waited for a slice
 * end (loaded cyclictest with pinned threads: 1.5 - 2.5 ms average, now 1.25 - 1.35 ms). */
u64 daemon_preempt_ns[SCXD_MAX_CPUS];
u64 decision_preempt_ns[SCXD_MAX_CPUS];
/* Each CPU's virtual time, for standing wakeups: the vtime of the task it last took from a
 * vtime-ordered DSQ or kept (take(), keep_prev()). Per CPU, as CFS keeps min_vruntime per
 * runqueue: a pinned task competes with what runs on its CPU, and CPUs drift apart (one
 * with a pinned waker as well as a hog runs its hog slower), so one machine-wide clock would
 * place the waker behind its own CPU's hog. */
u64 cpu_vtime[SCXD_MAX_CPUS];

struct task_ctx {
	u64 enq_gen; /* bumped at every enqueue; a decision must echo the latest */
	bool woken; /* that enqueue was a wakeup */
	/* The standing decision for slice ends (see requeue()): armed by a decision that allows
	 * requeues, disarmed by a wakeup. */
	u64 rq_vtime; /* the task's place in line: its decision's vtime, then each requeue's */
	u64 rq_exec; /* its sum_exec_runtime when it got that place */
	u64 rq_slice;
	u64 rq_dsq;
	u32 rq_scale; /* vtime per ns of CPU time, << 16; 0: no standing decision */
	u32 rq_left; /* requeues left before it goes back to user space */
	u32 rq_weight; /* its weight at the decision: a change goes to user space */
	u32 rq_flags; /* SCXD_D_WAKEUPS: wakeups are placed too (place_woken()) */
	u64 rq_lag; /* ... at most this far behind its CPU's cpu_vtime */
	u64 rq_window_end; /* wakeups before this ktime use no turn (0: none) */
	u64 rq_gran; /* a placed wakeup preempts when due more than this before the CPU's task */
	u32 in_slot; /* the in_dsq[] slot it is counted in, + 1 (0: none) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

#define COUNT(field) __sync_fetch_and_add(&counters.field, 1)

/*
 * DSQ lookups skipped while they cannot find anything. Each scx_bpf_dsq_nr_queued(),
 * scx_bpf_dsq_peek() or scx_bpf_dsq_move_to_local() on one of our DSQs is a hash lookup, and
 * a CPU going idle did four of them with every DSQ empty (a pipe's ping-pong: two per round
 * trip, each CPU's own DSQ and the shared one). in_dsq[] counts the tasks in each of our DSQs:
 * bumped before a task goes in (count_in()), dropped by ops.dequeue(), which the kernel calls
 * exactly once when a task leaves BPF's custody (moved to a local DSQ, or taken off for a
 * property change: nice, affinity, cgroup), with the task's runqueue locked. So a count is
 * never below what its DSQ holds; where it could end up above (a task inserted without a
 * task_ctx; a dispatch the kernel drops), it costs the lookup, never a task.
 *
 * That custody rule came with SCX_TASK_IN_CUSTODY (both kernels tested here have it). Without
 * it ops.dequeue() is not called for tasks in DSQs, and every lookup is made.
 */
#define SLOT_SHARED SCXD_MAX_CPUS
#define NR_SLOTS (SCXD_MAX_CPUS + 3) /* each CPU's own DSQ, then shared, fallback, daemon */

s64 in_dsq[NR_SLOTS];
bool untracked; /* a task went into a DSQ uncounted: every lookup is made from then on */

static __always_inline bool custody_tracked(void)
{
	return bpf_core_enum_value_exists(enum scx_ent_flags, SCX_TASK_IN_CUSTODY);
}

/* in_dsq[]'s slot for one of our DSQs (NR_SLOTS for the built-in ones). */
static __always_inline u32 dsq_slot(u64 dsq)
{
	if (dsq < SCXD_MAX_CPUS)
		return (u32)dsq;
	if (dsq >= SCXD_DSQ_SHARED && dsq <= SCXD_DSQ_DAEMON)
		return SLOT_SHARED + (u32)(dsq - SCXD_DSQ_SHARED);
	return NR_SLOTS;
}

/* A lookup in `dsq` may find a task. */
static __always_inline bool may_hold(u64 dsq)
{
	u32 slot = dsq_slot(dsq);

	if (!custody_tracked() || untracked || slot >= NR_SLOTS)
		return true;
	return in_dsq[slot] > 0;
}

/* `p` is about to go into `dsq`: counted there until ops.dequeue(). A count left behind by
 * an insert the kernel dropped stays (too high is safe; see above). */
static __always_inline void count_in(struct task_ctx *tctx, u64 dsq)
{
	u32 slot = dsq_slot(dsq);

	if (!custody_tracked() || slot >= NR_SLOTS)
		return;
	if (!tctx) {
		untracked = true;
		return;
	}
	__sync_fetch_and_add(&in_dsq[slot], 1);
	tctx->in_slot = slot + 1;
}

/* The only way into our vtime-ordered DSQs (a CPU's own, the shared one): counted, so that a
 * lookup there is never skipped while the task is in it. */
static __always_inline void insert_counted(struct task_struct *p, struct task_ctx *tctx, u64 dsq,
					   u64 slice, u64 vtime, u64 enq_flags)
{
	count_in(tctx, dsq);
	scxd_insert_vtime(p, dsq, slice, vtime, enq_flags);
}

static __always_inline u64 queued_in(u64 dsq)
{
	return may_hold(dsq) ? scx_bpf_dsq_nr_queued(dsq) : 0;
}

static __always_inline bool move_from(u64 dsq)
{
	return may_hold(dsq) && scxd_move_to_local(dsq);
}

static __always_inline u64 fallback_queued(void)
{
	return queued_in(SCXD_DSQ_FALLBACK);
}

static __always_inline bool take_fallback(void)
{
	return move_from(SCXD_DSQ_FALLBACK);
}

static __always_inline bool daemon_queued(void)
{
	return queued_in(SCXD_DSQ_DAEMON) > 0;
}

static __always_inline bool take_daemon(void)
{
	return move_from(SCXD_DSQ_DAEMON);
}

static __always_inline bool is_daemon(const struct task_struct *p)
{
	return p->tgid == daemon_tgid;
}

/* Kernel threads bound to one CPU (ksoftirqd, kworker/N, ...) must run there promptly and
 * may be what user space itself waits for. */
static __always_inline bool is_percpu_kthread(const struct task_struct *p)
{
	return (p->flags & PF_KTHREAD) && p->nr_cpus_allowed == 1;
}

/* Memory reclaim and compaction threads: user space may itself wait for them. */
static __always_inline bool is_reclaim_kthread(const struct task_struct *p)
{
	const char *c = p->comm;

	if (!(p->flags & PF_KTHREAD))
		return false;
	if (c[0] == 'k' && c[1] == 's' && c[2] == 'w' && c[3] == 'a' && c[4] == 'p' && c[5] == 'd')
		return true; /* kswapdN */
	if (c[0] == 'k' && c[1] == 'c' && c[2] == 'o' && c[3] == 'm' && c[4] == 'p' &&
	    c[5] == 'a' && c[6] == 'c' && c[7] == 't' && c[8] == 'd')
		return true; /* kcompactdN */
	return c[0] == 'k' && c[1] == 'h' && c[2] == 'u' && c[3] == 'g' && c[4] == 'e' &&
	       c[5] == 'p' && c[6] == 'a' && c[7] == 'g' && c[8] == 'e' && c[9] == 'd';
}

/* Queued task records the daemon has not read yet (exit notices do not count). */
static __always_inline bool tasks_waiting_for_daemon(void)
{
	return (s64)(counters.queued - user_state.consumed) > 0;
}

/*
 * Preempt `cpu` for a woken task, at most once per wakeup_preempt_ns for each CPU and reason
 * (`stamps`: daemon_preempt_ns or decision_preempt_ns): the bound on what a wake-up storm can
 * cost. take_preempt() takes the turn (and counts it) for a caller that preempts otherwise.
 */
static __always_inline bool take_preempt(s32 cpu, u64 *stamps)
{
	u64 now;

	if (!wakeup_preempt_ns || cpu < 0 || cpu >= SCXD_MAX_CPUS)
		return false;
	now = bpf_ktime_get_ns();
	if (now - stamps[cpu] < wakeup_preempt_ns)
		return false;
	stamps[cpu] = now;
	COUNT(wakeup_preempts);
	return true;
}

static __always_inline void preempt_for_wakeup(s32 cpu, u64 *stamps)
{
	if (take_preempt(cpu, stamps))
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
}

/* A woken task's record the daemon has not read yet. */
static __always_inline bool wakeup_waits_for_daemon(void)
{
	return (s64)(last_wakeup_queued - user_state.consumed) > 0;
}

static __always_inline bool kick_idle_cpu(const struct task_struct *p)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);

	if (cpu < 0)
		return false;
	scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return true;
}

/* The only way into the fallback DSQ: FIFO order, any CPU, an idle one woken for it. */
static __always_inline void insert_fallback(struct task_struct *p, struct task_ctx *tctx,
					    u64 enq_flags)
{
	count_in(tctx, SCXD_DSQ_FALLBACK);
	scxd_insert(p, SCXD_DSQ_FALLBACK, default_slice_ns, enq_flags);
	kick_idle_cpu(p);
}

/*
 * A woken task waits for the daemon (queued and runnable) and no CPU is idle: without this it
 * would wait for the next slice end, up to a whole slice. Preempting `cpu`, the woken task's
 * own, makes its ops.dispatch() run the daemon, which places the woken task among the others;
 * the CPU then runs whichever is due (a pinned task can run nowhere else). The preempted task
 * goes to user space as a plain (non-wakeup) record, so it cannot trigger another preemption.
 */
static __always_inline void preempt_for_daemon(s32 cpu)
{
	if (wakeup_waits_for_daemon() && cpu >= 0 && cpu < nr_cpus)
		preempt_for_wakeup(cpu, daemon_preempt_ns);
}

static __always_inline bool kick_if_idle(s32 cpu)
{
	if (!scx_bpf_test_and_clear_cpu_idle(cpu))
		return false;
	scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return true;
}

/*
 * A decision went to `cpu`'s own DSQ. An idle CPU is woken for it. A busy one would take it
 * only at its next slice end, which for a woken task (often one that may run only there)
 * can be a whole slice: unless this CPU is the one that dispatches next anyway (`self`, in
 * ops.dispatch()), preempt it (rate-limited, preempt_for_wakeup()). Which task then runs is
 * still the policy's order: the preempted one goes back in line and the CPU picks the lowest
 * vtime.
 */
static __always_inline void run_decision_on(s32 cpu, bool woken, s32 self)
{
	if (!kick_if_idle(cpu) && woken && cpu != self)
		preempt_for_wakeup(cpu, decision_preempt_ns);
}

/* Insert a decided task by vtime into `dsq` (a CPU's own or the shared DSQ) and get a CPU to
 * take it. */
static __always_inline void insert_decided(struct task_struct *p, struct task_ctx *tctx, u64 dsq,
					   u64 slice, u64 vtime, u64 enq_flags, s32 self)
{
	bool woken = tctx->woken;

	insert_counted(p, tctx, dsq, slice, vtime, enq_flags);
	if (dsq == SCXD_DSQ_SHARED)
		kick_idle_cpu(p);
	else
		run_decision_on((s32)dsq, woken, self);
}

/*
 * Standing decisions: a decision may say where its task goes when it uses its slice and stays
 * runnable (scxd_decision.requeue_scale / requeue_max): at its vtime grown by the CPU time it
 * used, on the same queue with the same slice. At such a slice end BPF keeps the task on its
 * CPU when nothing waiting there is due before it, and otherwise puts it back in line itself,
 * up to requeue_max times in a row, instead of a round trip through the daemon per slice end
 * (most of the daemon's runs under CPU hogs). With SCXD_D_WAKEUPS its wakeups count against
 * the same budget (place_woken()); without it a wakeup ends the standing decision. A weight or
 * affinity change or the kernel moving the task sends it to user space as before.
 */
static __always_inline bool standing(const struct task_struct *p, const struct task_ctx *tctx)
{
	if (!tctx->rq_scale || p->scx.weight != tctx->rq_weight)
		return false;
	return tctx->rq_dsq == SCXD_DSQ_SHARED ||
	       (tctx->rq_dsq < nr_cpus && bpf_cpumask_test_cpu((u32)tctx->rq_dsq, p->cpus_ptr));
}

/* Arm the standing decision of a decision being inserted (the daemon zeroes both requeue
 * members unless both are set). */
static __always_inline void arm_standing(const struct task_struct *p, struct task_ctx *tctx,
					 const struct scxd_dispatch *d, u64 dsq)
{
	tctx->rq_vtime = d->vtime;
	tctx->rq_exec = p->se.sum_exec_runtime;
	tctx->rq_slice = d->slice_ns;
	tctx->rq_dsq = dsq;
	tctx->rq_scale = d->requeue_scale;
	tctx->rq_left = d->requeue_max;
	tctx->rq_weight = p->scx.weight;
	tctx->rq_flags = d->requeue_flags;
	tctx->rq_lag = d->wake_lag;
	tctx->rq_window_end = d->wake_window_ns ? bpf_ktime_get_ns() + d->wake_window_ns : 0;
	tctx->rq_gran = d->wake_preempt_gran;
}

/* A wakeup ends a standing decision that does not cover wakeups: sleeping changes what the
 * policy would decide. */
static __always_inline void disarm_standing(struct task_ctx *tctx)
{
	if (tctx && !(tctx->rq_flags & SCXD_D_WAKEUPS))
		tctx->rq_scale = 0;
}

/* The standing decision allows another slice end without user space. */
static __always_inline bool may_requeue(const struct task_struct *p, const struct task_ctx *tctx)
{
	return tctx && standing(p, tctx) && tctx->rq_left;
}

/* Its vtime after the CPU time it used since it got its place in line. */
static __always_inline u64 requeue_vtime(const struct task_struct *p, const struct task_ctx *tctx)
{
	u64 used = p->se.sum_exec_runtime - tctx->rq_exec;

	return tctx->rq_vtime + ((used * tctx->rq_scale) >> 16);
}

static __always_inline void requeue_advance(const struct task_struct *p, struct task_ctx *tctx,
					    u64 vtime)
{
	tctx->rq_vtime = vtime;
	tctx->rq_exec = p->se.sum_exec_runtime;
	tctx->rq_left--;
}

static __always_inline void cpu_vtime_set(s32 cpu, u64 vtime)
{
	if (cpu >= 0 && cpu < SCXD_MAX_CPUS)
		cpu_vtime[cpu] = vtime;
}

/*
 * Decisions an ops.dispatch() inserted into its CPU's own DSQ and the shared one. The kernel
 * puts them into the DSQs only at the dispatch's first move (scx_bpf_dsq_move_to_local()) or
 * when it returns, so scx_bpf_dsq_peek() before that does not see them: the first task is the
 * lower of the peeked head and the lowest decision here. Before the DSQ lookups were skipped,
 * the move from the CPU's own (mostly empty) DSQ happened to put them in place for the
 * shared DSQ's peek; without it, the CPU's vtime missed the hogs' decisions coming back from
 * the daemon, and woken tasks were placed behind them (52-wakeups.sh: 10x the wait).
 */
struct fresh {
	u64 own_vtime;
	u64 shared_vtime;
	bool own;
	bool shared;
};

static __always_inline void fresh_add(struct fresh *f, s32 cpu, u64 dsq, u64 vtime)
{
	if (dsq == (u64)cpu && (!f->own || (s64)(vtime - f->own_vtime) < 0)) {
		f->own = true;
		f->own_vtime = vtime;
	} else if (dsq == SCXD_DSQ_SHARED && (!f->shared || (s64)(vtime - f->shared_vtime) < 0)) {
		f->shared = true;
		f->shared_vtime = vtime;
	}
}

/* The vtime of the first task in `dsq` (`cpu`'s own or the shared one) once `f` (NULL
 * outside ops.dispatch()) is in place; false when there is none or no peek. */
static __always_inline bool first_vtime(u64 dsq, const struct fresh *f, u64 *vtime)
{
	struct task_struct *head;
	bool found = false;
	bool pending = false;
	u64 fv = 0;

	if (!bpf_ksym_exists(scx_bpf_dsq_peek))
		return false;
	head = scx_bpf_dsq_peek(dsq);
	if (head) {
		*vtime = head->scx.dsq_vtime;
		found = true;
	}
	if (f && dsq == SCXD_DSQ_SHARED) {
		pending = f->shared;
		fv = f->shared_vtime;
	} else if (f) {
		pending = f->own;
		fv = f->own_vtime;
	}
	if (pending && (!found || (s64)(fv - *vtime) < 0)) {
		*vtime = fv;
		found = true;
	}
	return found;
}

/* A task waits in `dsq` ahead of `vtime`. */
static __always_inline bool waits_ahead(u64 dsq, u64 vtime, const struct fresh *f)
{
	u64 first = 0; /* set: clang otherwise reads a dead register when there is none */

	if (!may_hold(dsq))
		return false;
	if (!bpf_ksym_exists(scx_bpf_dsq_peek))
		return true;
	return first_vtime(dsq, f, &first) && (s64)(first - vtime) < 0;
}

/* Nothing waiting for `cpu` is due before `vtime`. */
static __always_inline bool due_first(s32 cpu, u64 vtime)
{
	return !waits_ahead(cpu, vtime, NULL) && !waits_ahead(SCXD_DSQ_SHARED, vtime, NULL) &&
	       !fallback_queued();
}

/*
 * ops.dispatch() with prev at its slice end: if nothing waiting for this CPU is due before it,
 * prev keeps the CPU for another slice, as the daemon would have decided. That counts against
 * requeue_max too: a policy's estimates (which tasks compete, virtual time) need to see every
 * task that keeps running now and then.
 */
static __always_inline bool keep_prev(struct task_struct *prev, struct task_ctx *tctx, s32 cpu,
				      const struct fresh *f)
{
	u64 vtime;

	if (!may_requeue(prev, tctx) || fallback_queued() > 0)
		return false;
	vtime = requeue_vtime(prev, tctx);
	if (waits_ahead(cpu, vtime, f) || waits_ahead(SCXD_DSQ_SHARED, vtime, f))
		return false;
	requeue_advance(prev, tctx, vtime);
	COUNT(kernel_requeues);
	cpu_vtime_set(cpu, vtime);
	prev->scx.slice = tctx->rq_slice;
	return true;
}

/* ops.enqueue() of a task that stayed runnable (not a wakeup): back in line by itself. */
static __always_inline bool requeue(struct task_struct *p, struct task_ctx *tctx, u64 enq_flags)
{
	if ((enq_flags & SCX_ENQ_REENQ) || !may_requeue(p, tctx))
		return false;
	tctx->enq_gen++; /* a decision still on its way is for an older place */
	tctx->woken = false;
	requeue_advance(p, tctx, requeue_vtime(p, tctx));
	COUNT(kernel_requeues);
	insert_decided(p, tctx, tctx->rq_dsq, tctx->rq_slice, tctx->rq_vtime, enq_flags, -1);
	return true;
}

/*
 * A woken task at `vtime` is due before what runs on `cpu` by more than its decision's
 * granularity (ABI 1.4; the CPU's virtual time is that of the task it last took). Without it,
 * hackbench's 160 tasks, waking each other all the time, preempted each other at nearly every
 * wakeup (10,000 preemptions and 2x EEVDF's context switches per run, 1.3x - 2x its time);
 * with the fair policies' 1 ms, 0.65x - 1.2x of EEVDF's switches and 0.66x - 1.19x its time
 * in one boot, while cyclictest's thread, a long sleeper placed wake_lag behind, still
 * preempts the hog on its CPU.
 */
static __always_inline bool due_before_current(const struct task_ctx *tctx, s32 cpu, u64 vtime)
{
	return (s64)(cpu_vtime[cpu & (SCXD_MAX_CPUS - 1)] - vtime) > (s64)tctx->rq_gran;
}

/*
 * place_woken()'s preemption without a kick, when no CPU the task may use is idle: the woken
 * task is due before what runs on its own CPU and before everything waiting for that CPU, so
 * it goes straight to the CPU's local DSQ with SCX_ENQ_PREEMPT. The kernel then reschedules
 * the CPU itself (a flag when the wakeup runs there, as a timer's does; an IPI otherwise),
 * where scx_bpf_kick_cpu() costs an irq_work, the IPI and an ops.dispatch() that would take
 * the same task. The preempted task goes back in line by vtime. Same per-CPU limit as
 * preempt_for_wakeup(). Two pinned 1 ms wakers among hogs, one boot each way, 6 pairs: 95 -
 * 223 us wait per wakeup (median 115) against 136 - 264 us (median 177) with the kick.
 */
static __always_inline bool run_woken_now(struct task_struct *p, struct task_ctx *tctx, s32 cpu,
					  u64 vtime, u64 enq_flags)
{
	if (cpu != scx_bpf_task_cpu(p) || !due_before_current(tctx, cpu, vtime) ||
	    !due_first(cpu, vtime) || !take_preempt(cpu, decision_preempt_ns))
		return false;
	scxd_insert(p, SCX_DSQ_LOCAL, tctx->rq_slice, enq_flags | SCX_ENQ_PREEMPT);
	cpu_vtime_set(cpu, vtime);
	return true;
}

/* Within the standing decision's wake window (ABI 1.3): a wakeup uses no turn. */
static __always_inline bool in_wake_window(const struct task_ctx *tctx)
{
	return tctx->rq_window_end && (s64)(bpf_ktime_get_ns() - tctx->rq_window_end) < 0;
}

/* The standing decision covers this wakeup (SCXD_D_WAKEUPS, a turn left or in its window). */
static __always_inline bool wakeup_stands(const struct task_struct *p, const struct task_ctx *tctx)
{
	return bpf_ksym_exists(scx_bpf_dsq_peek) && tctx && standing(p, tctx) &&
	       (tctx->rq_flags & SCXD_D_WAKEUPS) && (tctx->rq_left || in_wake_window(tctx));
}

/* Where a woken task goes in line on `cpu`: at its own vtime, or rq_lag behind the CPU's
 * virtual time if it slept longer than that (a vruntime policy's sleeper credit). */
static __always_inline u64 woken_vtime(const struct task_struct *p, const struct task_ctx *tctx,
				       s32 cpu)
{
	u64 vtime = requeue_vtime(p, tctx);
	u64 floor = cpu_vtime[cpu & (SCXD_MAX_CPUS - 1)] - tctx->rq_lag;

	return (s64)(vtime - floor) < 0 ? floor : vtime;
}

/* The wakeup is BPF's: it uses one of the standing decision's turns, unless in its window. */
static __always_inline void woken_placed(const struct task_struct *p, struct task_ctx *tctx,
					 u64 vtime)
{
	tctx->enq_gen++; /* a decision still on its way is for an older place */
	tctx->woken = true;
	tctx->rq_vtime = vtime;
	tctx->rq_exec = p->se.sum_exec_runtime;
	if (tctx->rq_left && !in_wake_window(tctx))
		tctx->rq_left--;
	COUNT(kernel_wakeups);
}

/* `cpu` is one `p` may use and was idle; its idle bit is now clear (claimed for `p`). */
static __always_inline bool claim_cpu(const struct task_struct *p, s32 cpu)
{
	return cpu >= 0 && cpu < nr_cpus && bpf_cpumask_test_cpu(cpu, p->cpus_ptr) &&
	       scx_bpf_test_and_clear_cpu_idle(cpu);
}

/*
 * `p` runs on `cpu`, an idle CPU claimed for it. No kick when the wakeup runs on that CPU (a
 * timer's, as for cyclictest's pinned threads): the kernel reschedules a CPU whose idle task
 * gets a local task with a flag, and the kick would add an irq_work (a self-IPI) and an empty
 * ops.dispatch(). Idle cyclictest, one boot, 5 interleaved runs: median latency 127 us without
 * the kick, 155 us with it, EEVDF 126 us.
 */
static __always_inline void run_on_claimed(struct task_struct *p, s32 cpu, u64 slice, u64 enq_flags)
{
	scxd_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice, enq_flags);
	if (cpu != bpf_get_smp_processor_id())
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

/* An idle CPU `p` may use, claimed: `cpu` (where it ran last) first, then any. */
static __always_inline s32 claim_idle_near(const struct task_struct *p, s32 cpu)
{
	return claim_cpu(p, cpu) ? cpu : scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
}

/* An idle CPU for a woken task with a standing decision, claimed: its decision's CPU for a
 * per-CPU DSQ; for the shared DSQ one near `cpu`. */
static __always_inline s32 claim_idle(const struct task_struct *p, const struct task_ctx *tctx,
				      s32 cpu)
{
	if (tctx->rq_dsq < nr_cpus)
		return scx_bpf_test_and_clear_cpu_idle((s32)tctx->rq_dsq) ? (s32)tctx->rq_dsq : -1;
	return claim_idle_near(p, cpu);
}

/*
 * ops.select_cpu() in full-user mode, for a wakeup its standing decision covers: an idle CPU
 * claimed for it gets it in its local DSQ at once, as builtin-idle's wakeups do. Before, the
 * task went to the shared DSQ and the idle CPU was kicked, but the waker's CPU, about to sleep
 * (a pipe's ping-pong), took it first; the kicked CPU then found nothing, and until it had
 * handled the kick its idle bit stayed clear, so the next wakeups saw no idle CPU either. Both
 * tasks of `perf bench sched pipe` ran on one CPU with the other idle: 11,100 context switches
 * per 5,000 round trips instead of EEVDF's 20,000, and 5,244 of 5,276 failed idle picks found
 * the other CPU running its idle task.
 */
static __always_inline s32 select_standing(struct task_struct *p, struct task_ctx *tctx,
					   s32 prev_cpu)
{
	u64 vtime;
	s32 cpu;

	if (!wakeup_stands(p, tctx))
		return prev_cpu;
	cpu = claim_idle(p, tctx, prev_cpu);
	if (cpu < 0 || cpu >= nr_cpus)
		return prev_cpu;
	vtime = woken_vtime(p, tctx, cpu);
	if (!due_first(cpu, vtime)) {
		/* what waits goes first; ops.enqueue() puts this one in line */
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return cpu;
	}
	woken_placed(p, tctx, vtime);
	scxd_insert(p, SCX_DSQ_LOCAL, tctx->rq_slice, 0);
	cpu_vtime_set(cpu, vtime);
	return cpu;
}

/*
 * ops.enqueue() of a woken task whose standing decision covers wakeups (SCXD_D_WAKEUPS): in
 * line by itself, where the policy would put it: at its own vtime, or rq_lag behind the
 * virtual time of the CPU it goes to (its own CPU's for the shared DSQ) if it slept longer
 * than that (a vruntime policy's sleeper credit). With no CPU idle, that CPU is preempted
 * when the woken task is due before what runs there by more than rq_gran, as EEVDF does
 * (rate-limited, this CPU included: the wakeup often comes from its own timer); without it
 * the task would wait for the next slice end, which the daemon's round trip used to cut
 * short. Needs scx_bpf_dsq_peek(), without which cpu_vtime does not move.
 */
static __always_inline bool place_woken(struct task_struct *p, struct task_ctx *tctx, u64 enq_flags)
{
	u64 vtime;
	s32 cpu, idle;

	if (!wakeup_stands(p, tctx))
		return false;
	cpu = tctx->rq_dsq < nr_cpus ? (s32)tctx->rq_dsq : scx_bpf_task_cpu(p);
	if (cpu < 0 || cpu >= SCXD_MAX_CPUS)
		return false;
	vtime = woken_vtime(p, tctx, cpu);
	woken_placed(p, tctx, vtime);
	idle = claim_idle(p, tctx, cpu);
	if (idle < 0 && run_woken_now(p, tctx, cpu, vtime, enq_flags))
		return true;
	if (idle >= 0 && idle < nr_cpus && tctx->rq_dsq == SCXD_DSQ_SHARED &&
	    due_first(idle, vtime)) {
		/* into the claimed CPU's local DSQ, for the reason select_standing() gives */
		run_on_claimed(p, idle, tctx->rq_slice, enq_flags);
		cpu_vtime_set(idle, vtime);
		return true;
	}
	insert_counted(p, tctx, tctx->rq_dsq, tctx->rq_slice, vtime, enq_flags);
	if (idle >= 0)
		scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
	else if (due_before_current(tctx, cpu, vtime))
		preempt_for_wakeup(cpu, decision_preempt_ns);
	return true;
}

/*
 * The daemon's wakeup: an idle CPU, claimed for it (its last CPU first), runs it at once. It
 * used to go to its DSQ with an idle CPU kicked, which the waking CPU often beat to it; the
 * kicked CPU then found nothing and looked busy until it had handled the kick (see
 * select_standing()).
 */
static __always_inline s32 select_daemon(struct task_struct *p, s32 prev_cpu)
{
	s32 cpu = claim_idle_near(p, prev_cpu);

	if (cpu < 0)
		return prev_cpu;
	scxd_insert(p, SCX_DSQ_LOCAL, default_slice_ns, 0);
	COUNT(daemon_dispatches);
	return cpu;
}

/* The kernel's pick for a sync wakeup is the waker's CPU, which the waker keeps busy (not a
 * wakeup from an interrupt on an idle CPU, whose pick is right: the task runs where it is). */
static __always_inline bool picked_busy_waker(s32 cpu, u64 wake_flags)
{
	struct task_struct *cur = bpf_get_current_task_btf();

	return (wake_flags & SCX_WAKE_SYNC) && cpu == bpf_get_smp_processor_id() && cur->pid != 0;
}

/*
 * builtin-idle, when the kernel's pick (scx_bpf_select_cpu_dfl(): the previous CPU, idle SMT
 * cores, the LLC) found no idle CPU, or the waker's busy one: an idle CPU, claimed (the
 * previous one first), else `cpu`. For a sync wakeup the kernel's pick returns the waker's
 * CPU, busy (the waker runs there, expected to sleep soon), as if it were idle; the task waited
 * there for the waker, and from then on a pipe's two tasks took turns on one CPU with the
 * other idle: 12,000 context switches per 4,000 round trips against EEVDF's 15,800, 41 - 53
 * us per round trip against 29 - 34. With this, a handful of claims per run keeps them apart:
 * 15,700 - 16,000 switches, 30 - 39 us (53-idle-wakeups.sh, counter idle_claims).
 */
static __always_inline s32 claim_any_idle(const struct task_struct *p, s32 prev_cpu, s32 cpu,
					  bool *is_idle)
{
	s32 idle = claim_idle_near(p, prev_cpu);

	if (idle < 0)
		return cpu;
	*is_idle = true;
	COUNT(idle_claims);
	return idle;
}

s32 BPF_STRUCT_OPS(scxd_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	bool is_idle = false;
	s32 cpu;

	disarm_standing(tctx);
	if (is_daemon(p))
		return select_daemon(p, prev_cpu);
	if (!builtin_idle)
		return select_standing(p, tctx, prev_cpu);
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (!is_idle || picked_busy_waker(cpu, wake_flags))
		cpu = claim_any_idle(p, prev_cpu, cpu, &is_idle);
	if (is_idle) {
		scxd_insert(p, SCX_DSQ_LOCAL, default_slice_ns, 0);
		COUNT(kernel_dispatches);
	}
	return cpu;
}

/*
 * The daemon waits in its own DSQ, which every CPU consumes first while tasks wait for it
 * (a wakeup that finds an idle CPU runs there instead: select_daemon()).
 * It is never given a CPU by preemption: the preempted task would go to user space and wake
 * the daemon again, a loop that costs one daemon run per task. Its wait is bounded by the
 * slice instead.
 */
static __always_inline void enqueue_daemon(struct task_struct *p, struct task_ctx *tctx,
					   u64 enq_flags)
{
	daemon_enqueued_ns = bpf_ktime_get_ns();
	count_in(tctx, SCXD_DSQ_DAEMON);
	scxd_insert(p, SCXD_DSQ_DAEMON, default_slice_ns, enq_flags);
	if (!kick_idle_cpu(p))
		preempt_for_daemon(last_wakeup_cpu);
}

/* The daemon waited in its DSQ for longer than a heartbeat (it yields after passes with
 * slice ends and requeues keep them from it): it runs first, wherever. */
static __always_inline bool daemon_overdue(void)
{
	return daemon_queued() && bpf_ktime_get_ns() - daemon_enqueued_ns > HEARTBEAT_NS;
}

static int heartbeat_fn(void *map, int *key, struct bpf_timer *timer)
{
	if (daemon_overdue()) {
		scx_bpf_kick_cpu(bpf_get_smp_processor_id(), SCX_KICK_PREEMPT);
		COUNT(heartbeat_kicks);
	}
	bpf_timer_start(timer, HEARTBEAT_NS, 0);
	return 0;
}

/*
 * builtin-idle: a wakeup runs at once on its CPU when that CPU is idle. select_cpu() does this
 * for most wakeups, but the kernel skips it for a task that may run on one CPU only (and one
 * that cannot migrate now): without this their every wakeup, even on an idle machine, went
 * through the daemon (cyclictest's threads are pinned).
 */
static __always_inline bool run_on_idle_cpu(struct task_struct *p, u64 enq_flags)
{
	s32 cpu;

	if (!builtin_idle || !(enq_flags & SCX_ENQ_WAKEUP))
		return false;
	cpu = scx_bpf_task_cpu(p);
	if (!claim_cpu(p, cpu))
		return false;
	run_on_claimed(p, cpu, default_slice_ns, enq_flags);
	COUNT(kernel_dispatches);
	return true;
}

void BPF_STRUCT_OPS(scxd_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct scxd_queued *q;
	struct task_ctx *tctx;

	/* Before the task_ctx lookup, which these do not need (never the daemon: a kthread). */
	if (is_percpu_kthread(p)) {
		scxd_insert(p, SCX_DSQ_LOCAL, default_slice_ns, enq_flags);
		COUNT(kernel_dispatches);
		return;
	}
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (is_daemon(p)) {
		enqueue_daemon(p, tctx, enq_flags);
		return;
	}
	if (is_reclaim_kthread(p)) {
		insert_fallback(p, tctx, enq_flags);
		COUNT(kernel_dispatches);
		return;
	}
	if (enq_flags & SCX_ENQ_WAKEUP)
		disarm_standing(tctx);
	else if (requeue(p, tctx, enq_flags))
		return;
	if (run_on_idle_cpu(p, enq_flags))
		return;
	if ((enq_flags & SCX_ENQ_WAKEUP) && place_woken(p, tctx, enq_flags))
		return;
	q = bpf_ringbuf_reserve(&queued, sizeof(*q), 0);
	if (!q || !tctx) {
		if (q)
			bpf_ringbuf_discard(q, 0);
		/* User space cannot take it now: run it in FIFO order on any CPU. */
		insert_fallback(p, tctx, enq_flags);
		COUNT(congested);
		return;
	}
	tctx->enq_gen++;
	tctx->woken = enq_flags & SCX_ENQ_WAKEUP;
	q->pid = p->pid;
	q->prev_cpu = scx_bpf_task_cpu(p);
	q->nr_cpus_allowed = p->nr_cpus_allowed;
	q->flags = (enq_flags & SCX_ENQ_WAKEUP) ? SCXD_Q_WAKEUP : 0;
	if (p->flags & PF_KTHREAD)
		q->flags |= SCXD_Q_KTHREAD;
	q->weight = p->scx.weight;
	q->sum_exec_runtime = p->se.sum_exec_runtime;
	q->enqueue_ns = bpf_ktime_get_ns();
	q->enq_gen = tctx->enq_gen;
	__builtin_memcpy(q->comm, p->comm, sizeof(q->comm));
	q->tgid = p->tgid;
	q->uid = BPF_CORE_READ(p, cred, uid.val);
	q->cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);
	q->ran_since_placed_ns = p->se.sum_exec_runtime - tctx->rq_exec;
	bpf_ringbuf_submit(q, 0);
	COUNT(queued);
	if (!(enq_flags & SCX_ENQ_WAKEUP))
		return;
	last_wakeup_queued = counters.queued;
	last_wakeup_cpu = scx_bpf_task_cpu(p);
	/* A sleeping daemon is woken by the record (and preempts in enqueue_daemon); one that
	 * waits in its DSQ must be given a CPU here. */
	if (daemon_queued() && !kick_idle_cpu(p))
		preempt_for_daemon(scx_bpf_task_cpu(p));
}

/*
 * Where a decision goes: the named CPU's DSQ when the task may run there; otherwise (a bounce,
 * or SCXD_CPU_ANY) the shared DSQ, except for a task that can run on one CPU only: every CPU
 * empties its own DSQ before the shared one, so it would wait as long as its CPU stays busy
 * with its own queue. It goes to its CPU's DSQ instead.
 */
static __always_inline u64 decision_dsq(struct task_struct *p, s32 cpu)
{
	s32 own;

	if (cpu >= 0 && cpu < nr_cpus) {
		if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			return cpu;
		COUNT(bounce_dispatches);
	}
	if (p->nr_cpus_allowed == 1) {
		own = scx_bpf_task_cpu(p);
		if (own >= 0 && own < nr_cpus && bpf_cpumask_test_cpu(own, p->cpus_ptr))
			return own;
	}
	return SCXD_DSQ_SHARED;
}

/* Decisions read from the user ring: when it equals user_state.submitted there is nothing to
 * drain. Most ops.dispatch() calls find nothing (a pipe's CPU going idle: two per round
 * trip), and the drain's call costs about a third of such a dispatch under TCG. The daemon
 * stores the count after each submit and its own CPU dispatches when it stops running, so a
 * decision is never left behind: a stale read on another CPU only defers it to that. */
u64 drained;

/* The CPU is about to go idle with nothing queued for it. */
static __always_inline bool idle_with_nothing_queued(s32 cpu, bool prev_queued)
{
	return !prev_queued && !queued_in(cpu) && !fallback_queued() &&
	       !queued_in(SCXD_DSQ_SHARED) && !tasks_waiting_for_daemon();
}

enum self_takes {
	SELF_TAKES_NO,
	SELF_TAKES_YES,
	SELF_TAKES_UNKNOWN
};

struct drain_ctx {
	u32 n;
	s32 cpu;
	bool prev_queued;
	/* This CPU takes the first decision for the shared DSQ itself (settled at that
	 * decision: a drain without one, the common case, pays none of its lookups). */
	u8 self_takes;
	struct fresh fresh;
};

static long insert_decision(struct bpf_dynptr *dynptr, void *data)
{
	struct drain_ctx *dctx = data;
	struct scxd_dispatch d;
	struct task_struct *p;
	struct task_ctx *tctx;
	u64 dsq;

	dctx->n++; /* read or not, the record is consumed */
	if (bpf_dynptr_read(&d, sizeof(d), dynptr, 0, 0))
		return 1;
	p = bpf_task_from_pid(d.pid);
	if (!p) {
		COUNT(failed_dispatches);
		goto out;
	}
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (!tctx || tctx->enq_gen != d.enq_gen) {
		/* Re-enqueued since user space saw it: a newer decision is on its way. */
		COUNT(cancel_dispatches);
		bpf_task_release(p);
		goto out;
	}
	dsq = decision_dsq(p, d.cpu);
	arm_standing(p, tctx, &d, dsq);
	if (dsq == SCXD_DSQ_SHARED && dctx->self_takes == SELF_TAKES_UNKNOWN)
		dctx->self_takes = idle_with_nothing_queued(dctx->cpu, dctx->prev_queued)
					   ? SELF_TAKES_YES
					   : SELF_TAKES_NO;
	fresh_add(&dctx->fresh, dctx->cpu, dsq, d.vtime);
	if (dsq == SCXD_DSQ_SHARED && dctx->self_takes == SELF_TAKES_YES) {
		dctx->self_takes = SELF_TAKES_NO;
		insert_counted(p, tctx, dsq, d.slice_ns, d.vtime, 0);
	} else {
		insert_decided(p, tctx, dsq, d.slice_ns, d.vtime, 0, bpf_get_smp_processor_id());
	}
	COUNT(user_dispatches);
	bpf_task_release(p);
out:
	return dctx->n >= SCXD_DISPATCH_BATCH ? 1 : 0;
}

/*
 * prev's slice ended and it goes to user space, but only once this CPU has chosen what runs
 * next. Choosing the daemon lets the policy place prev among the others first, so the CPU then
 * picks the task that is due, not the best of those already decided: without it, weights come
 * out wrong (nice 0 : nice 5 gives about 2 instead of 3). It costs one daemon run per slice end.
 * A task with a standing decision does without: keep_prev() compares its place in line with
 * what waits. After its last allowed requeue it goes to user space without the daemon first:
 * then it may wait a turn it was due, which its vruntime makes up for later, instead of the
 * daemon waiting in its queue for every such slice end.
 */
static __always_inline bool prev_goes_to_user(const struct task_struct *prev,
					      const struct task_ctx *tctx)
{
	return prev && !is_daemon(prev) && !is_percpu_kthread(prev) && !is_reclaim_kthread(prev) &&
	       !(tctx && standing(prev, tctx));
}

/* How many tasks of the shared DSQ take_near() looks at, the first included. */
#define NEAR_SCAN 8

/*
 * The shared DSQ's first task last ran on another CPU: moving it here takes both runqueues'
 * locks and migrates it, about 50 us under TCG against 5 us for a task of this CPU's (a third
 * of hackbench's moves were such, some 5% of its CPU time). A task close behind it that last
 * ran here does as well: due at most its wakeup granularity (wake_preempt_gran, in its own
 * vtime) after the first, the difference a wakeup would not preempt for either. Take that one;
 * the first stays in line for its own CPU, which takes it without a migration at its next
 * dispatch (or any CPU, once it is alone in front). Among the first NEAR_SCAN tasks only, so
 * the cost stays bounded and a task is passed over by that many at most.
 */
static __always_inline bool take_near(s32 cpu)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct task_ctx *tctx;
	bool moved = false;
	u64 first;
	u64 vtime;
	int i = 0;

	if (!bpf_ksym_exists(scx_bpf_dsq_move) || !bpf_ksym_exists(bpf_iter_scx_dsq_new) ||
	    !bpf_ksym_exists(scx_bpf_dsq_peek))
		return false;
	p = scx_bpf_dsq_peek(SCXD_DSQ_SHARED);
	if (!p || scx_bpf_task_cpu(p) == cpu)
		return false; /* the plain move takes it without a migration */
	first = p->scx.dsq_vtime;
	bpf_iter_scx_dsq_new(&it, SCXD_DSQ_SHARED, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)) && ++i <= NEAR_SCAN) {
		vtime = p->scx.dsq_vtime;
		if (scx_bpf_task_cpu(p) != cpu)
			continue;
		tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		if (!tctx || (s64)(vtime - first) > (s64)tctx->rq_gran)
			continue;
		moved = scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL, 0);
		if (moved) {
			cpu_vtime_set(cpu, vtime);
			COUNT(migrations_avoided);
		}
		break;
	}
	bpf_iter_scx_dsq_destroy(&it);
	return moved;
}

/* Move the first task of a vtime-ordered `dsq` that may run here to this CPU (for the shared
 * DSQ, maybe one close behind it: take_near()), whose virtual time becomes the moved task's
 * vtime (the first task's, unless the head may not run here). */
static __always_inline bool take(u64 dsq, const struct fresh *f)
{
	u64 vtime = 0;
	bool known;

	if (!may_hold(dsq))
		return false;
	/* Drained decisions for the shared DSQ are not in it yet (struct fresh): the scan would
	 * miss them, so it is only for a dispatch without any. */
	if (dsq == SCXD_DSQ_SHARED && !f->shared && take_near(bpf_get_smp_processor_id()))
		return true;
	known = first_vtime(dsq, f, &vtime);
	if (!scxd_move_to_local(dsq))
		return false;
	if (known)
		cpu_vtime_set(bpf_get_smp_processor_id(), vtime);
	return true;
}

void BPF_STRUCT_OPS(scxd_dispatch, s32 cpu, struct task_struct *prev)
{
	struct drain_ctx dctx = {};
	struct task_ctx *ptctx = NULL;

	/* A CPU about to go idle with nothing queued for it takes the first decision for the
	 * shared DSQ: kicking an idle CPU for that one too (insert_decided()) would leave the
	 * kicked CPU marked busy for nothing (see select_standing()). */
	dctx.cpu = cpu;
	dctx.prev_queued = prev && (prev->scx.flags & SCX_TASK_QUEUED);
	dctx.self_takes = SELF_TAKES_UNKNOWN;
	/* No wakeup: it would tell a producer waiting for room, at the cost of an irq_work (a
	 * self-IPI) per drain that took a decision; the daemon never waits for room (it keeps
	 * a backlog instead). */
	if (user_state.submitted != drained) {
		bpf_user_ringbuf_drain(&dispatched, insert_decision, &dctx, BPF_RB_NO_WAKEUP);
		__sync_fetch_and_add(&drained, dctx.n);
	}

	/* prev still runnable: its slice ended (or it was preempted) */
	if (prev && (prev->scx.flags & SCX_TASK_QUEUED))
		ptctx = bpf_task_storage_get(&task_ctxs, prev, 0, 0);
	else
		prev = NULL;
	/* The daemon first while tasks wait for it: everything else depends on it. */
	if ((tasks_waiting_for_daemon() || prev_goes_to_user(prev, ptctx) || daemon_overdue()) &&
	    take_daemon()) {
		COUNT(daemon_dispatches);
		return;
	}
	if (prev && keep_prev(prev, ptctx, cpu, &dctx.fresh))
		return;
	if (take(cpu, &dctx.fresh))
		return;
	if (take_fallback())
		return;
	if (take(SCXD_DSQ_SHARED, &dctx.fresh))
		return;
	if (take_daemon())
		COUNT(daemon_dispatches);
}

/* `p` left BPF's custody (see in_dsq): out of the DSQ it was counted in. Called with its
 * runqueue locked, so two calls never see the same in_slot. */
void BPF_STRUCT_OPS(scxd_dequeue, struct task_struct *p, u64 deq_flags)
{
	struct task_ctx *tctx;
	u32 slot;

	if (!custody_tracked())
		return;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (!tctx || !tctx->in_slot)
		return;
	slot = tctx->in_slot - 1;
	tctx->in_slot = 0;
	if (slot < NR_SLOTS)
		__sync_fetch_and_sub(&in_dsq[slot], 1);
}

/* Tell user space a task is gone, so policies keeping per-task state can drop it. Best
 * effort: a full ring only leaves a stale entry, which policies must tolerate. */
void BPF_STRUCT_OPS(scxd_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	struct scxd_queued *q;

	if (is_daemon(p) || (p->flags & PF_KTHREAD))
		return;
	q = bpf_ringbuf_reserve(&queued, sizeof(*q), 0);
	if (!q)
		return;
	__builtin_memset(q, 0, sizeof(*q));
	q->pid = p->pid;
	q->tgid = p->tgid;
	q->flags = SCXD_Q_EXITED;
	bpf_ringbuf_submit(q, 0);
	COUNT(exits);
}

s32 BPF_STRUCT_OPS(scxd_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

static s32 start_heartbeat(void)
{
	u32 key = 0;
	struct heartbeat *hb = bpf_map_lookup_elem(&heartbeat, &key);
	s32 err;

	if (!hb)
		return -ENOENT;
	err = bpf_timer_init(&hb->timer, &heartbeat, CLOCK_MONOTONIC);
	if (!err)
		err = bpf_timer_set_callback(&hb->timer, heartbeat_fn);
	if (!err)
		err = bpf_timer_start(&hb->timer, HEARTBEAT_NS, 0);
	return err;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(scxd_init)
{
	s32 err;
	u32 i;

	err = scx_bpf_create_dsq(SCXD_DSQ_SHARED, -1);
	if (!err)
		err = scx_bpf_create_dsq(SCXD_DSQ_FALLBACK, -1);
	if (!err)
		err = scx_bpf_create_dsq(SCXD_DSQ_DAEMON, -1);
	for (i = 0; !err && i < SCXD_MAX_CPUS && i < nr_cpus; i++)
		err = scx_bpf_create_dsq(i, -1);
	if (!err)
		err = start_heartbeat();
	return err;
}

void BPF_STRUCT_OPS(scxd_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(exit_info.reason, sizeof(exit_info.reason), ei->reason);
	bpf_probe_read_kernel_str(exit_info.msg, sizeof(exit_info.msg), ei->msg);
	if (ei->dump)
		bpf_probe_read_kernel_str(exit_info.dump, sizeof(exit_info.dump), ei->dump);
	exit_info.exit_code = ei->exit_code;
	/* Last: the daemon polls kind != 0 and then reads the rest. */
	asm volatile("" ::: "memory");
	exit_info.kind = ei->kind;
}

SEC(".struct_ops.link")
struct sched_ext_ops scxd_ops = {
	.select_cpu = (void *)scxd_select_cpu,
	.enqueue = (void *)scxd_enqueue,
	.dequeue = (void *)scxd_dequeue,
	.dispatch = (void *)scxd_dispatch,
	.init_task = (void *)scxd_init_task,
	.exit_task = (void *)scxd_exit_task,
	.init = (void *)scxd_init,
	.exit = (void *)scxd_exit,
	.dispatch_max_batch = SCXD_DISPATCH_BATCH * 2,
	.timeout_ms = 10000,
	.name = "scxd",
};
