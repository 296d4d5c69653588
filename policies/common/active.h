/* SPDX-License-Identifier: MIT */
/*
 * The tasks still competing for the CPU in some set (all tasks, or one class of them): how
 * many, and their total weight.
 *
 * A policy sees a task when it becomes runnable, never when it goes to sleep, and a task
 * waiting in the kernel's queue is not seen either. So activity is measured against the set's
 * own CPU use: a task stays counted until the set has used the CPU time the task would wait
 * for its next turn, with margin (a slice per turn, twice over, plus one): one that keeps
 * competing is seen again before that, one that sleeps drops out once the rest of the set has
 * run that long. Expiry is a ring of buckets over the set's CPU time: every operation is O(1)
 * amortized and nothing allocates. Shared by the policies in this tree; header-only and not
 * installed.
 */
#ifndef SCXD_COMMON_ACTIVE_H
#define SCXD_COMMON_ACTIVE_H

#include <stdint.h>

#define SCXD_ACTIVE_BUCKETS 256u

struct scxd_active {
	uint64_t count; /* tasks counted now */
	uint64_t weight; /* their total weight */
	uint64_t used_ns; /* CPU time the set's tasks used */
	uint64_t expired_to; /* every bucket below this index has expired */
	/* What expires in bucket i % SCXD_ACTIVE_BUCKETS. */
	uint64_t bucket_weight[SCXD_ACTIVE_BUCKETS];
	uint32_t bucket_count[SCXD_ACTIVE_BUCKETS];
};

/* Where one task is counted in one set; zeroed: counted nowhere. */
struct scxd_active_ref {
	uint64_t expiry; /* bucket index */
	uint32_t weight;
	uint32_t counted;
};

/*
 * CPU time per bucket. The ring spans 8 * nr_cpus longest slices: a task's wait for its
 * turn is about (tasks in the set) * slice, and the slice shrinks as tasks per CPU grow, so
 * waits stay within a few nr_cpus * max_slice. Longer ones expire a little early.
 */
static inline uint64_t scxd_active_bucket_ns(uint64_t max_slice_ns, uint32_t nr_cpus)
{
	uint64_t b = max_slice_ns * (nr_cpus ? nr_cpus : 1) / (SCXD_ACTIVE_BUCKETS / 8);

	return b ? b : 1;
}

static inline uint64_t scxd_active_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The set used `ran_ns` more CPU time: expire the tasks whose time is up. */
static inline void scxd_active_advance(struct scxd_active *a, uint64_t bucket_ns, uint64_t ran_ns)
{
	uint64_t now;
	uint32_t n;

	a->used_ns += ran_ns;
	now = a->used_ns / bucket_ns;
	/* A bucket expires once the set's CPU time is past its end. */
	for (n = 0; a->expired_to < now && n < SCXD_ACTIVE_BUCKETS; n++) {
		uint32_t i = (uint32_t)(a->expired_to % SCXD_ACTIVE_BUCKETS);

		a->weight = scxd_active_sub(a->weight, a->bucket_weight[i]);
		a->count = scxd_active_sub(a->count, a->bucket_count[i]);
		a->bucket_weight[i] = 0;
		a->bucket_count[i] = 0;
		a->expired_to++;
	}
	if (a->expired_to < now)
		a->expired_to = now; /* every bucket went: the ring is empty */
}

/* Stop counting the task, if it still is. */
static inline void scxd_active_release(struct scxd_active *a, struct scxd_active_ref *ref)
{
	if (ref->counted && ref->expiry >= a->expired_to) {
		uint32_t i = (uint32_t)(ref->expiry % SCXD_ACTIVE_BUCKETS);

		a->bucket_weight[i] = scxd_active_sub(a->bucket_weight[i], ref->weight);
		a->weight = scxd_active_sub(a->weight, ref->weight);
		if (a->bucket_count[i])
			a->bucket_count[i]--;
		if (a->count)
			a->count--;
	}
	ref->counted = 0;
}

/* Count a task of weight `weight` (>= 1) that was just seen; release it first. */
static inline void scxd_active_count(struct scxd_active *a, uint64_t bucket_ns,
				     struct scxd_active_ref *ref, uint32_t weight,
				     uint64_t slice_ns)
{
	/* Its turns come about (set weight with it) / (its weight) slices apart. The cap only
	 * keeps the product below; the ring's span is far shorter anyway. */
	uint64_t turns = (a->weight + 2 * (uint64_t)weight - 1) / weight;
	uint64_t wait;
	uint64_t idx;

	if (turns > (1u << 20))
		turns = 1u << 20;
	wait = slice_ns + 2 * slice_ns * turns;
	idx = (a->used_ns + wait) / bucket_ns;

	if (idx >= a->expired_to + SCXD_ACTIVE_BUCKETS)
		idx = a->expired_to + SCXD_ACTIVE_BUCKETS - 1;
	a->bucket_weight[idx % SCXD_ACTIVE_BUCKETS] += weight;
	a->bucket_count[idx % SCXD_ACTIVE_BUCKETS]++;
	a->weight += weight;
	a->count++;
	ref->expiry = idx;
	ref->weight = weight;
	ref->counted = 1;
}

#endif /* SCXD_COMMON_ACTIVE_H */
