/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The records that cross the two ring buffers, and the counters in the BPF .bss.
 * Included by the BPF program (after vmlinux.h) and by the daemon (C++20).
 * Layouts are explicit: fixed-width members, naturally aligned, no implicit padding.
 */
#ifndef SCXD_INTF_H
#define SCXD_INTF_H

#ifndef __bpf__
#include <stdint.h>
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
#endif

enum scxd_consts {
	SCXD_MAX_CPUS = 1024,
	/* Decisions one ops.dispatch() call drains from the user ring (the kernel's dispatch
	 * buffer holds ops.dispatch_max_batch inserts per call). */
	SCXD_DISPATCH_BATCH = 32,
	SCXD_COMM_LEN = 16,
	SCXD_EXIT_REASON_LEN = 128,
	SCXD_EXIT_MSG_LEN = 1024,
	SCXD_EXIT_DUMP_LEN = 4096, /* what we keep of the kernel's debug dump */
};

/* DSQ ids; per-CPU DSQs use the CPU number (0 .. SCXD_MAX_CPUS - 1). */
#define SCXD_DSQ_SHARED 0x10000ULL /* vtime ordered: decisions with SCXD_CPU_ANY */
#define SCXD_DSQ_FALLBACK 0x10001ULL /* FIFO: tasks that could not reach user space */
#define SCXD_DSQ_DAEMON 0x10002ULL /* FIFO: the daemon's own threads */

/* scxd_queued.flags */
#define SCXD_Q_WAKEUP (1u << 0)
#define SCXD_Q_KTHREAD (1u << 1)
#define SCXD_Q_EXITED (1u << 2) /* not runnable: the task exited (policies forget it) */

/* scxd_dispatch.requeue_flags (the values of policy.h's SCXD_REQUEUE_*) */
#define SCXD_D_WAKEUPS (1u << 0)

/* Kernel -> user: a task became runnable and waits for a decision. */
struct scxd_queued {
	s32 pid;
	s32 prev_cpu;
	u32 nr_cpus_allowed;
	u32 flags;
	u64 weight;
	u64 sum_exec_runtime;
	u64 enqueue_ns; /* bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC */
	u64 enq_gen; /* per-task enqueue generation, echoed back in the decision */
	char comm[SCXD_COMM_LEN];
	s32 tgid;
	u32 uid;
	u64 cgroup_id;
	u64 ran_since_placed_ns; /* since its decision, or its last requeue by BPF */
};

/* User -> kernel: run `pid` on `cpu` (or any CPU when cpu < 0) for `slice_ns`. */
struct scxd_dispatch {
	s32 pid;
	s32 cpu;
	u64 slice_ns;
	u64 vtime;
	u64 enq_gen;
	/* Put it back in line without user space when it stays runnable after its slice, up
	 * to requeue_max times, its vtime grown by its CPU time * requeue_scale / 65536. */
	u32 requeue_scale;
	u32 requeue_max;
	/* SCXD_REQUEUE_WAKEUPS: its wakeups too (counted against requeue_max), at most
	 * wake_lag behind its CPU's cpu_vtime. */
	u32 requeue_flags;
	u32 pad;
	u64 wake_lag;
	/* Its wakeups in the first wake_window_ns use no turn (ABI 1.3). */
	u64 wake_window_ns;
	/* A wakeup BPF places preempts a busy CPU only when due more than this much vtime
	 * before what runs there (ABI 1.4). */
	u64 wake_preempt_gran;
};

/* Counters, bumped by the BPF program; read by the daemon through the mmap'd .bss. */
struct scxd_counters {
	u64 queued; /* tasks sent to user space */
	u64 user_dispatches; /* decisions from user space inserted */
	u64 kernel_dispatches; /* tasks placed by BPF without user space */
	u64 congested; /* queued ring full: task went to the fallback DSQ */
	u64 failed_dispatches; /* decision for a pid that no longer exists */
	u64 bounce_dispatches; /* decision CPU outside the task's affinity: moved */
	u64 cancel_dispatches; /* decision for an older enqueue of the task: dropped */
	u64 daemon_dispatches; /* times the daemon itself was given a CPU */
	u64 heartbeat_kicks; /* the heartbeat had to preempt a CPU for the waiting daemon */
	u64 exits; /* exit notices sent to user space */
	u64 wakeup_preempts; /* a CPU was preempted for a woken task: its record or its decision */
	u64 kernel_requeues; /* a task put back in line (or kept running) by BPF after its slice */
	u64 kernel_wakeups; /* a woken task put in line by BPF from its standing decision */
	u64 idle_claims; /* builtin-idle: the kernel's pick was busy, BPF took an idle CPU */
	u64 migrations_avoided; /* a CPU took a task of its own close behind a remote first */
};

/* What the daemon writes for the BPF program (through the same mmap'd .bss). */
struct scxd_user_state {
	u64 consumed; /* queued records the daemon has read */
	u64 nr_pending; /* tasks the policy holds back */
	u64 submitted; /* decisions the daemon has put into the user ring */
};

/* Copied from struct scx_exit_info in ops.exit(). kind == 0: still running. */
struct scxd_exit_info {
	s32 kind;
	s32 pad;
	s64 exit_code;
	char reason[SCXD_EXIT_REASON_LEN];
	char msg[SCXD_EXIT_MSG_LEN];
	char dump[SCXD_EXIT_DUMP_LEN];
};

#endif /* SCXD_INTF_H */
