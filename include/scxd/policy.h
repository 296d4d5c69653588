/* SPDX-License-Identifier: MIT */
/*
 * scxd policy plugin ABI, version 1.
 *
 * A policy is a shared object that exports exactly one symbol:
 *
 *     const struct scxd_policy_entry scxd_policy_entry_v1;
 *
 * The major version is part of the symbol name, so a plugin built for another major version
 * is never mistaken for this one. Minor versions only append members; every struct carries
 * its own size so the daemon knows which members a plugin filled in.
 *
 * This header is pure C11 and append-only: members are never removed, reordered or retyped.
 * What crosses it: fixed-width integers, `double`, `size_t`, `int` status codes, the enum
 * below, pointers to the structs below and `const char *`.
 *
 * Threads
 * -------
 * Every callback of one policy instance is called from one thread, the daemon's scheduling
 * thread (the "hot thread"), never concurrently. `create` and `destroy` may run on another
 * thread, but never while a hot-path callback of the same instance runs.
 *
 * Rules of the hot path (`on_enqueue`, `pick`, `on_exit`, `nr_pending`)
 * --------------------------------------------------------------------
 * They run while tasks wait for a CPU. They must not block, sleep, take locks another thread
 * may hold for long, allocate memory, do I/O or make system calls, or log per task. Allocate
 * everything in `create` (size pools from `host->max_tasks`). A policy that violates this
 * slows every task on the machine; one that stops picking for long is ejected by the kernel's
 * watchdog, and every task falls back to the kernel's own scheduler.
 */
#ifndef SCXD_POLICY_H
#define SCXD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCXD_POLICY_ABI_MAJOR 1
#define SCXD_POLICY_ABI_MINOR 4

/* The exported symbol's name for this major version, as a string (for dlsym). */
#define SCXD_POLICY_ENTRY_SYMBOL "scxd_policy_entry_v1"

/* A decision's `cpu` may be this: run the task on the first allowed CPU that frees up. */
#define SCXD_CPU_ANY (-1)

/* Log levels for scxd_host.log (same order as the daemon's own log levels). */
enum scxd_log_level {
	SCXD_LOG_DEBUG = 1,
	SCXD_LOG_INFO = 2,
	SCXD_LOG_WARN = 3,
	SCXD_LOG_ERROR = 4,
};

/* Bits of scxd_task.flags. */
#define SCXD_TASK_WAKEUP (1u << 0) /* the task just woke up (it was sleeping) */
#define SCXD_TASK_KTHREAD (1u << 1) /* a kernel thread */

/*
 * A runnable task, handed to `on_enqueue`. The pointer is valid only during the call: copy
 * what you need.
 */
struct scxd_task {
	int32_t pid;
	/* CPU the task last ran on (a good default for cache affinity). */
	int32_t prev_cpu;
	/* Number of CPUs the task may run on; 1 means pinned. */
	uint32_t nr_cpus_allowed;
	/* SCXD_TASK_* bits. */
	uint32_t flags;
	/* Scheduling weight from nice: 100 for nice 0 (1 .. 10000, as the kernel's). */
	uint64_t weight;
	/* Total CPU time the task has consumed, in ns. */
	uint64_t sum_exec_runtime;
	/* When the task became runnable (host clock, see scxd_host.now_ns), in ns. */
	uint64_t enqueue_ns;
	/* Opaque: copy it unchanged into the decision for this task. */
	uint64_t cookie;
	/* Short command name, NUL-terminated. */
	char comm[16];
	/* Process (thread group) id the task belongs to. */
	int32_t tgid;
	/* Real user id of the task. */
	uint32_t uid;
	/* Its cgroup (v2) id: the inode number of its directory under /sys/fs/cgroup. */
	uint64_t cgroup_id;
	/*
	 * ABI 1.1 (read it only when host->abi_minor >= 1). CPU time the task used since the
	 * kernel last put it in line: the growth of `sum_exec_runtime` since your last decision
	 * for it, unless the kernel requeued it meanwhile (scxd_decision.requeue_max); then the
	 * part after the last requeue, so you know where it last reached the head of a queue.
	 */
	uint64_t ran_since_placed_ns;
};

/* What `pick` returns: run task `pid` on `cpu` for `slice_ns`. */
struct scxd_decision {
	int32_t pid;
	/* A CPU in [0, host->nr_cpus) or SCXD_CPU_ANY. A CPU the task may not run on is moved to
	 * one it may run on. */
	int32_t cpu;
	/* Time slice in ns; 0 means the daemon's configured default slice. */
	uint64_t slice_ns;
	/* Order among tasks waiting for the same CPU: lower runs first. 0 means "after every
	 * task picked before it" (FIFO). */
	uint64_t vtime;
	/* The task's `cookie`, unchanged. */
	uint64_t cookie;
	/*
	 * ABI 1.1. Optional: leave both 0 (scxd_decision_for does) and the task comes back to
	 * `on_enqueue` whenever it stays runnable after its slice.
	 *
	 * A task that uses its slice and stays runnable (a CPU hog) would come back to
	 * `on_enqueue` at every slice end, a round trip through the daemon each time. Instead the
	 * kernel may handle up to `requeue_max` of its slice ends in a row by itself (the daemon
	 * caps it at SCXD_REQUEUE_MAX): the task keeps its CPU when no task waiting there has a
	 * lower vtime, and otherwise goes back in line with the same `cpu` and `slice_ns`; either
	 * way its vtime grows by the CPU time it used times requeue_scale / 65536. Set these only
	 * when that is what your `on_enqueue` would decide (vtime growing linearly with CPU
	 * time), e.g. 65536 * 100 / weight for a vruntime policy. The slice end after those comes
	 * to `on_enqueue`, with `sum_exec_runtime` covering all the time the task ran meanwhile,
	 * and so does a task that wakes up, changes weight or affinity, or is moved by the kernel.
	 */
	uint32_t requeue_scale;
	uint32_t requeue_max;
	/*
	 * ABI 1.2. Optional, and only with requeue_max: SCXD_REQUEUE_WAKEUPS lets the kernel also
	 * place the task's wakeups, counted against requeue_max together with its slice ends
	 * (0: every wakeup comes to `on_enqueue`). A woken task then goes back in line with the
	 * same `cpu` and `slice_ns`, at its vtime grown as above but never more than `wake_lag`
	 * behind the virtual time of the CPU it goes to (the vtime of the task that CPU last took
	 * from a queue; the task's previous CPU when `cpu` is SCXD_CPU_ANY). That is what a
	 * vruntime policy decides for a waking task, with its sleeper credit (in vtime units,
	 * i.e. scaled by weight) as `wake_lag`; the kernel then skips the round trip through the
	 * daemon that every wakeup on a busy machine costs otherwise (with no CPU idle, that CPU
	 * is preempted when the task is due before what runs there). Use it only when your vtimes
	 * are a virtual time that all tasks share. Between two sightings your view of the task is
	 * old: you see it again at the wakeup or slice end after those, with `sum_exec_runtime`
	 * covering everything it ran meanwhile. Unknown bits are cleared by the daemon.
	 */
	uint32_t requeue_flags;
	uint32_t reserved0; /* 0 */
	uint64_t wake_lag;
	/*
	 * ABI 1.3. Optional, and only with SCXD_REQUEUE_WAKEUPS: for this long after the kernel
	 * received this decision, the task's wakeups use none of requeue_max's turns (its slice
	 * ends still do), so a task that sleeps and wakes often (a pipe's ping-pong) comes to
	 * `on_enqueue` about once per wake_window_ns plus requeue_max turns instead of every
	 * requeue_max + 1 wakeups: each of those is a round trip through the daemon that the
	 * woken task waits for. Your view of the task is then up to that much older. The daemon
	 * caps it at SCXD_WAKE_WINDOW_MAX_NS; 0: every wakeup uses a turn, as in ABI 1.2.
	 */
	uint64_t wake_window_ns;
	/*
	 * ABI 1.4. Optional, and only with SCXD_REQUEUE_WAKEUPS: a wakeup the kernel places
	 * preempts what runs on a busy CPU only when the woken task is due more than this much
	 * vtime before it (in vtime units, like wake_lag); 0: any lower vtime preempts, as in
	 * ABI 1.3. A vruntime policy's wakeup granularity: without one, tasks that wake each
	 * other all the time (hackbench) preempt each other at every wakeup, and each preemption
	 * cuts the preempted task's run short and brings more wakeups. A task that slept long
	 * gets wake_lag of credit and still preempts when wake_lag is larger. The kernel side
	 * also treats the task, waiting among SCXD_CPU_ANY decisions, as due as the first in
	 * line when it is at most this much vtime behind it: a CPU then takes it, if it last ran
	 * there, instead of migrating the first from another CPU (counter migrations_avoided).
	 */
	uint64_t wake_preempt_gran;
};

/* The daemon's cap on scxd_decision.requeue_max. */
#define SCXD_REQUEUE_MAX 16u

/* The daemon's cap on scxd_decision.wake_window_ns (ABI 1.3): one second. */
#define SCXD_WAKE_WINDOW_MAX_NS UINT64_C(1000000000)

/* Bits of scxd_decision.requeue_flags (ABI 1.2). */
#define SCXD_REQUEUE_WAKEUPS (1u << 0) /* wakeups too, see above */

/* `pick` may write this many bytes at `out` (ABI 1.1): later minors append members to
 * scxd_decision within it, and a daemon ignores the members it does not know. */
#define SCXD_DECISION_ROOM 256u

/* Fill a decision for `task` on `cpu` with the default slice and FIFO order. */
static inline struct scxd_decision scxd_decision_for(const struct scxd_task *task, int32_t cpu)
{
	/* pid, cpu, slice_ns, vtime, cookie, requeue_scale, requeue_max, requeue_flags,
	 * reserved0, wake_lag, wake_window_ns, wake_preempt_gran */
	struct scxd_decision d = {task->pid, cpu, 0, 0, task->cookie, 0, 0, 0, 0, 0, 0, 0};
	return d;
}

/*
 * Services the daemon offers a policy. Valid from `create` until `destroy` returns.
 * Check `struct_size` before using a member added after ABI 1.0.
 */
struct scxd_host {
	uint32_t struct_size;
	uint32_t abi_minor;
	/* Number of possible CPUs; valid CPU ids are 0 .. nr_cpus - 1. */
	uint32_t nr_cpus;
	/* Upper bound on tasks the policy may hold at once: size pools with it. */
	uint32_t max_tasks;
	/* Default time slice, ns. */
	uint64_t default_slice_ns;
	/* Monotonic clock in ns (CLOCK_MONOTONIC). Cheap: no system call. */
	uint64_t (*now_ns)(const struct scxd_host *host);
	/* Log one line. Not for the hot path, except for rare events. */
	void (*log)(const struct scxd_host *host, enum scxd_log_level level, const char *msg);
	/*
	 * Typed parameters from the policy's config table. Return 0 and set *out when the key
	 * exists with that type, 1 when it is absent (leave your default), -1 when it exists with
	 * another type (the daemon logs which key and type; fail `create` then). `param_f64`
	 * also accepts an integer. Call only from `create`.
	 */
	int (*param_i64)(const struct scxd_host *host, const char *key, int64_t *out);
	int (*param_f64)(const struct scxd_host *host, const char *key, double *out);
	int (*param_str)(const struct scxd_host *host, const char *key, const char **out);
	/* Reserved for the daemon. */
	void *host_data;
};

/*
 * The callbacks of a policy. One static const instance per plugin; per-instance state lives
 * behind the `ctx` pointer that `create` returns.
 */
struct scxd_policy_ops {
	/* sizeof(struct scxd_policy_ops) as the plugin was compiled. */
	uint32_t struct_size;
	uint32_t reserved;

	/*
	 * Required. A task became runnable. Hot path. Return 0 when the policy took the task
	 * (it must later return it from `pick`), non-zero when it cannot hold it (pool full): the
	 * daemon then runs the task on the first free CPU itself, so no task is ever lost.
	 */
	int (*on_enqueue)(void *ctx, const struct scxd_task *task);

	/*
	 * Required. Write the next task to run into *out and return 1, or return 0 when the
	 * policy has nothing to run now. Hot path. The daemon calls it repeatedly in each pass of
	 * its loop until it returns 0, so returning every held task at once is fine; a policy may
	 * also hold tasks back (see `nr_pending`).
	 */
	int (*pick)(void *ctx, struct scxd_decision *out);

	/* Optional (may be NULL). A task the policy may hold has exited: forget it. Hot path. */
	void (*on_exit)(void *ctx, int32_t pid);

	/*
	 * Optional. Tasks the policy holds and has not returned from `pick` yet. While it is
	 * non-zero the daemon keeps calling `pick` as CPUs free up. NULL means "I never hold
	 * tasks back". Hot path.
	 */
	uint64_t (*nr_pending)(void *ctx);

	/* Optional. Free everything `create` allocated. Not on the hot path. */
	void (*destroy)(void *ctx);
};

/*
 * The one exported symbol, `scxd_policy_entry_v1`.
 */
struct scxd_policy_entry {
	/* SCXD_POLICY_ABI_MAJOR and SCXD_POLICY_ABI_MINOR as the plugin was compiled. */
	uint32_t abi_major;
	uint32_t abi_minor;
	/* sizeof(struct scxd_policy_entry) as the plugin was compiled. */
	uint32_t struct_size;
	uint32_t reserved;
	/* Short name ([a-z0-9_-]+), one-line description, plugin version. Static strings. */
	const char *name;
	const char *description;
	const char *version;
	const struct scxd_policy_ops *ops;
	/*
	 * Create one policy instance. Not on the hot path: allocate here. On success store the
	 * instance pointer in *ctx (may be NULL for a stateless policy) and return 0. On failure
	 * write a one-line reason into err (errlen bytes, always NUL-terminated) and return
	 * non-zero; nothing is leaked.
	 */
	int (*create)(const struct scxd_host *host, void **ctx, char *err, size_t errlen);
};

#ifdef __cplusplus
#define SCXD_POLICY_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define SCXD_POLICY_EXPORT __attribute__((visibility("default")))
#endif

/* Convenience for plugins: define the entry with the right versions and sizes. */
#define SCXD_POLICY_DEFINE(name_, description_, version_, ops_, create_)           \
	SCXD_POLICY_EXPORT const struct scxd_policy_entry scxd_policy_entry_v1 = { \
		SCXD_POLICY_ABI_MAJOR,                                             \
		SCXD_POLICY_ABI_MINOR,                                             \
		sizeof(struct scxd_policy_entry),                                  \
		0,                                                                 \
		(name_),                                                           \
		(description_),                                                    \
		(version_),                                                        \
		(ops_),                                                            \
		(create_),                                                         \
	}

#ifdef __cplusplus
}
#endif

#endif /* SCXD_POLICY_H */
