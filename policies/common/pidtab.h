/* SPDX-License-Identifier: MIT */
/*
 * Per-task state keyed by pid: an open-addressing table allocated once at create time.
 *
 * Linear probing within a bounded window: every entry sits at most SCXD_PIDTAB_WINDOW slots
 * past its home slot, so a lookup costs at most that many probes. Deletion shifts later
 * entries back (no tombstones), which keeps the invariant. When the window is full, the entry
 * seen least recently in it is evicted: exit notices are best effort, so stale entries of
 * tasks that exited unnoticed are what fills a window, and losing a live task's history only
 * makes it start over as a new task. The hot path never allocates and never fails.
 * Shared by the policies in this tree; header-only and not installed.
 */
#ifndef SCXD_COMMON_PIDTAB_H
#define SCXD_COMMON_PIDTAB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/active.h"

#define SCXD_PIDTAB_WINDOW 32u
#define SCXD_PIDTAB_MAX_SLOTS (1u << 26)

struct scxd_task_state {
	int32_t pid; /* 0: free slot */
	/* Policies that share CPU between groups (weighted): the group this task is counted in
	 * (-1: none) and how. */
	int32_t group;
	struct scxd_active_ref in_group;
	/* How it is counted among all competing tasks (common/fair.h). */
	struct scxd_active_ref in_all;
	/* Virtual runtime accounting (common/fair.h). */
	uint64_t vruntime;
	uint64_t last_sum; /* sum_exec_runtime when last seen */
	uint64_t avg_run; /* recent CPU time per activation, ns */
	uint64_t seen; /* enqueue sequence number when last seen: the eviction order */
};

struct scxd_pidtab {
	struct scxd_task_state *slots;
	uint32_t mask; /* slots - 1; slots is a power of two */
	uint32_t len;
};

/* Room for at least twice `max_tasks`, so a full set of runnable tasks leaves half free. */
static inline int scxd_pidtab_init(struct scxd_pidtab *t, uint32_t max_tasks)
{
	uint32_t size = 64;

	while (size / 2 < max_tasks && size < SCXD_PIDTAB_MAX_SLOTS)
		size <<= 1;
	t->slots = calloc(size, sizeof(*t->slots));
	t->mask = t->slots ? size - 1 : 0;
	t->len = 0;
	return t->slots ? 0 : -1;
}

static inline void scxd_pidtab_fini(struct scxd_pidtab *t)
{
	free(t->slots);
	t->slots = NULL;
}

static inline uint32_t scxd_pidtab_home(const struct scxd_pidtab *t, int32_t pid)
{
	/* Fibonacci hashing: sequential pids spread over the whole table. */
	return (uint32_t)(((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

static inline struct scxd_task_state *scxd_pidtab_find(struct scxd_pidtab *t, int32_t pid)
{
	uint32_t home = scxd_pidtab_home(t, pid);
	uint32_t i;

	for (i = 0; i < SCXD_PIDTAB_WINDOW; i++) {
		struct scxd_task_state *s = &t->slots[(home + i) & t->mask];

		if (s->pid == pid)
			return s;
		if (s->pid == 0)
			return NULL;
	}
	return NULL;
}

/*
 * A zeroed entry for `pid`, which must not be in the table (pid > 0). When the window is
 * full, the least recently seen entry is copied to *evicted and its slot reused; *was_evicted
 * says whether that happened, so the caller can undo what the old entry counted.
 */
static inline struct scxd_task_state *scxd_pidtab_insert(struct scxd_pidtab *t, int32_t pid,
							 struct scxd_task_state *evicted,
							 int *was_evicted)
{
	uint32_t home = scxd_pidtab_home(t, pid);
	struct scxd_task_state *victim = NULL;
	uint32_t i;

	*was_evicted = 0;
	for (i = 0; i < SCXD_PIDTAB_WINDOW; i++) {
		struct scxd_task_state *s = &t->slots[(home + i) & t->mask];

		if (s->pid == 0) {
			victim = s;
			t->len++;
			break;
		}
		if (!victim || (int64_t)(s->seen - victim->seen) < 0)
			victim = s;
	}
	if (victim->pid != 0) {
		*evicted = *victim;
		*was_evicted = 1;
	}
	memset(victim, 0, sizeof(*victim));
	victim->pid = pid;
	return victim;
}

/* Remove `s` (a pointer into the table), shifting later entries of its run back. */
static inline void scxd_pidtab_remove(struct scxd_pidtab *t, struct scxd_task_state *s)
{
	uint32_t hole = (uint32_t)(s - t->slots);
	uint32_t j = hole;

	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		/* Past the window nothing can move into the hole (see the invariant above). */
		if (t->slots[j].pid == 0 || ((j - hole) & t->mask) >= SCXD_PIDTAB_WINDOW)
			break;
		home = scxd_pidtab_home(t, t->slots[j].pid);
		/* The entry at j may move to the hole if the hole lies between its home and j. */
		if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->len--;
}

#endif /* SCXD_COMMON_PIDTAB_H */
