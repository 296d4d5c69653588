/* SPDX-License-Identifier: MIT */
/*
 * Weighted fair queueing by virtual runtime with deadlines, the machinery under the vruntime
 * and weighted policies (they differ only in the weight they pass in).
 *
 * Each task's vruntime grows by the CPU time it used since we last saw it (the growth of
 * sum_exec_runtime), scaled by 100 / weight. Its deadline adds the CPU time it tends to use
 * per activation (capped by the reference slice and by the slice it will get), scaled the
 * same way, so tasks that run briefly go before tasks that run long. Every task of a pass is
 * handed out at once with vtime = deadline; the kernel's vtime-ordered queues do the rest.
 *
 * Virtual time ("vclock", the global min vruntime): a task that used CPU since we last saw it
 * reached the head of a queue with the vruntime we gave it (plus what it ran before the
 * kernel last requeued it, scxd_task.ran_since_placed_ns), so that is where virtual time
 * stood then. The clock only moves forward. A task is never further behind it than its
 * lag bound, so sleeping does not bank unlimited credit.
 *
 * Load: the tasks competing for the CPU (common/active.h) set the slice, shorter the more
 * tasks wait per CPU, and share the sleeper credit, so that all sleepers together are at most
 * about one credit per CPU ahead and a storm of wakers cannot starve other tasks.
 *
 * Weights are fixed point: SCXD_FAIR_WEIGHT_ONE is weight 100 (nice 0).
 * Shared by the policies in this tree; header-only and not installed.
 */
#ifndef SCXD_COMMON_FAIR_H
#define SCXD_COMMON_FAIR_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <scxd/policy.h>

#include "common/active.h"
#include "common/heap.h"
#include "common/params.h"
#include "common/pidtab.h"

#define SCXD_FAIR_WSHIFT 10
#define SCXD_FAIR_WEIGHT_ONE ((uint64_t)100 << SCXD_FAIR_WSHIFT)

struct scxd_fair_params {
	/* Reference slice: caps the runtime estimate a deadline adds, and is the estimate a new
	 * task starts with. */
	uint64_t slice_ns;
	/* The slice is max_slice_ns * nr_cpus / max(nr_cpus, competing tasks), clamped. */
	uint64_t min_slice_ns;
	uint64_t max_slice_ns;
	/* How far behind virtual time a waking task may be placed, in CPU time at its weight,
	 * when at most one other task per CPU competes (divided by that number beyond). */
	uint64_t sleeper_credit_ns;
	/* Slice ends in a row a task that stays runnable is put back in line by the kernel
	 * (scxd_decision.requeue_max) before we see it again; 0: we see every one. */
	uint32_t requeue_max;
	/* Those count its wakeups too (SCXD_REQUEUE_WAKEUPS), placed with the sleeper credit
	 * as it stood at our decision. */
	int requeue_wakeups;
	/* ... but the wakeups in this long after our decision use none of requeue_max's turns
	 * (scxd_decision.wake_window_ns): we see a task that wakes often once per window. */
	uint64_t wake_window_ns;
	/* A wakeup the kernel places preempts a busy CPU only when due more than this much CPU
	 * time at its weight before what runs there (scxd_decision.wake_preempt_gran). */
	uint64_t wakeup_gran_ns;
};

struct scxd_fair {
	struct scxd_fair_params p;
	struct scxd_heap heap;
	struct scxd_pidtab tab;
	struct scxd_task_state scratch; /* state for pid <= 0, which is never stored */
	struct scxd_active all; /* every competing task */
	uint64_t bucket_ns; /* of `all` and of any group sets */
	uint32_t nr_cpus;
	uint64_t vclock;
	uint64_t seq; /* enqueues so far: the pid table's recency order */
	int knows_placement; /* the daemon fills scxd_task.ran_since_placed_ns (ABI >= 1.1) */
};

/* a * mul / div without overflow for our ranges; saturates instead of wrapping. */
static inline uint64_t scxd_mul_div(uint64_t a, uint64_t mul, uint64_t div)
{
	uint64_t q;

	if (div == 0)
		div = 1;
	if (mul == 0 || a <= UINT64_MAX / mul)
		return a * mul / div;
	q = a / div;
	return q > UINT64_MAX / mul ? UINT64_MAX : q * mul;
}

/* The kernel's weight (1 .. 10000, 100 = nice 0) as a fixed-point weight. */
static inline uint64_t scxd_fair_task_weight(const struct scxd_task *task)
{
	uint64_t w = task->weight;

	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	return w << SCXD_FAIR_WSHIFT;
}

static inline int scxd_fair_read_params(const struct scxd_host *host, struct scxd_fair_params *p,
					char *err, size_t errlen)
{
	int64_t slice_us = (int64_t)(host->default_slice_ns / 1000);
	int64_t min_us = 500;
	int64_t max_us = 20000;
	int64_t credit_us = 10000;
	int64_t requeue_max = 15;
	int64_t requeue_wakeups = 1;
	int64_t window_us = 20000;
	int64_t gran_us = 1000;

	if (slice_us < 50)
		slice_us = 50;
	if (slice_us > 1000000)
		slice_us = 1000000;
	if (scxd_param_i64_range(host, "slice_us", 50, 1000000, "us", &slice_us, err, errlen) ||
	    scxd_param_i64_range(host, "min_slice_us", 50, 1000000, "us", &min_us, err, errlen) ||
	    scxd_param_i64_range(host, "max_slice_us", 50, 1000000, "us", &max_us, err, errlen) ||
	    scxd_param_i64_range(host, "sleeper_credit_us", 0, 1000000, "us", &credit_us, err,
				 errlen) ||
	    scxd_param_i64_range(host, "requeue_max", 0, SCXD_REQUEUE_MAX, "", &requeue_max, err,
				 errlen) ||
	    scxd_param_i64_range(host, "requeue_wakeups", 0, 1, "", &requeue_wakeups, err,
				 errlen) ||
	    scxd_param_i64_range(host, "wake_window_us", 0, 1000000, "us", &window_us, err,
				 errlen) ||
	    scxd_param_i64_range(host, "wakeup_granularity_us", 0, 1000000, "us", &gran_us, err,
				 errlen))
		return -1;
	if (min_us > max_us) {
		snprintf(err, errlen,
			 "min_slice_us (%" PRId64 ") must not exceed max_slice_us (%" PRId64 ")",
			 min_us, max_us);
		return -1;
	}
	p->slice_ns = (uint64_t)slice_us * 1000;
	p->min_slice_ns = (uint64_t)min_us * 1000;
	p->max_slice_ns = (uint64_t)max_us * 1000;
	p->sleeper_credit_ns = (uint64_t)credit_us * 1000;
	p->requeue_max = (uint32_t)requeue_max;
	p->requeue_wakeups = (int)requeue_wakeups;
	p->wake_window_ns = (uint64_t)window_us * 1000;
	p->wakeup_gran_ns = (uint64_t)gran_us * 1000;
	return 0;
}

static inline void scxd_fair_fini(struct scxd_fair *f)
{
	scxd_heap_fini(&f->heap);
	scxd_pidtab_fini(&f->tab);
}

/* Parameters from the host, then the heap and the pid table sized from max_tasks. */
static inline int scxd_fair_init(struct scxd_fair *f, const struct scxd_host *host, char *err,
				 size_t errlen)
{
	uint32_t cap = host->max_tasks < 64 ? 64 : host->max_tasks;

	memset(f, 0, sizeof(*f));
	if (scxd_fair_read_params(host, &f->p, err, errlen))
		return -1;
	f->nr_cpus = host->nr_cpus ? host->nr_cpus : 1;
	f->knows_placement = host->abi_minor >= 1;
	f->bucket_ns =
		scxd_active_bucket_ns(f->p.max_slice_ns * (f->p.requeue_max + 1), f->nr_cpus);
	if (scxd_heap_init(&f->heap, cap) || scxd_pidtab_init(&f->tab, cap)) {
		scxd_fair_fini(f);
		snprintf(err, errlen, "out of memory for %u tasks", cap);
		return -1;
	}
	return 0;
}

static inline int scxd_fair_full(const struct scxd_fair *f)
{
	return f->heap.len == f->heap.cap;
}

static inline void scxd_fair_start(struct scxd_fair *f, struct scxd_task_state *st,
				   const struct scxd_task *task)
{
	st->vruntime = f->vclock;
	st->last_sum = task->sum_exec_runtime;
	st->avg_run = f->p.slice_ns;
}

/*
 * The state of `task`, created when new. An entry evicted to make room is copied to *evicted
 * (*was_evicted set) so the caller can undo what it counted in groups.
 */
static inline struct scxd_task_state *scxd_fair_track(struct scxd_fair *f,
						      const struct scxd_task *task,
						      struct scxd_task_state *evicted,
						      int *was_evicted)
{
	struct scxd_task_state *st;

	*was_evicted = 0;
	if (task->pid <= 0) {
		st = &f->scratch;
		memset(st, 0, sizeof(*st));
		st->group = -1;
		scxd_fair_start(f, st, task);
	} else if ((st = scxd_pidtab_find(&f->tab, task->pid)) == NULL) {
		st = scxd_pidtab_insert(&f->tab, task->pid, evicted, was_evicted);
		if (*was_evicted)
			scxd_active_release(&f->all, &evicted->in_all);
		st->group = -1;
		scxd_fair_start(f, st, task);
	} else if (task->sum_exec_runtime < st->last_sum) {
		scxd_fair_start(f, st, task); /* the pid was reused after an exit we missed */
	}
	st->seen = ++f->seq;
	return st;
}

/* The slice now: max_slice / (competing tasks per CPU), when that is more than one. */
static inline uint64_t scxd_fair_slice(const struct scxd_fair *f)
{
	uint64_t s = f->all.count <= f->nr_cpus
			     ? f->p.max_slice_ns
			     : scxd_mul_div(f->p.max_slice_ns, f->nr_cpus, f->all.count);

	if (s < f->p.min_slice_ns)
		s = f->p.min_slice_ns;
	if (s > f->p.max_slice_ns)
		s = f->p.max_slice_ns;
	return s;
}

/*
 * The CPU time per turn between two sightings of `task`: a task that stays runnable comes
 * back only after the kernel requeued it requeue_max times; one that just woke will likely
 * sleep again before its slice ends, and comes back at its next wakeup.
 */
static inline uint64_t scxd_fair_turn_ns(const struct scxd_fair *f, const struct scxd_task *task)
{
	if (task->flags & SCXD_TASK_WAKEUP)
		return scxd_fair_slice(f);
	return scxd_fair_slice(f) * (f->p.requeue_max + 1);
}

/* Forget a task that exited (st points into the table). */
static inline void scxd_fair_forget(struct scxd_fair *f, struct scxd_task_state *st)
{
	scxd_active_release(&f->all, &st->in_all);
	scxd_pidtab_remove(&f->tab, st);
}

/* Count the task among the competing ones, after its set ran `delta` more. */
static inline void scxd_fair_count(struct scxd_fair *f, struct scxd_task_state *st,
				   const struct scxd_task *task, uint64_t delta, uint64_t weight_fp)
{
	uint64_t w = weight_fp >> SCXD_FAIR_WSHIFT;

	if (task->pid <= 0)
		return; /* scratch state: nothing could release it */
	scxd_active_advance(&f->all, f->bucket_ns, delta);
	scxd_active_release(&f->all, &st->in_all);
	scxd_active_count(&f->all, f->bucket_ns, &st->in_all, (uint32_t)(w ? w : 1),
			  scxd_fair_turn_ns(f, task));
}

/* The sleeper credit, shared when more than one other task per CPU competes. */
static inline uint64_t scxd_fair_credit(const struct scxd_fair *f)
{
	uint64_t others = f->all.count ? f->all.count - 1 : 0;

	if (others <= f->nr_cpus)
		return f->p.sleeper_credit_ns;
	return scxd_mul_div(f->p.sleeper_credit_ns, f->nr_cpus, others);
}

/* Charge the CPU time used since last seen, advance virtual time, apply the lag bound. */
static inline void scxd_fair_charge(struct scxd_fair *f, struct scxd_task_state *st,
				    const struct scxd_task *task, uint64_t weight_fp)
{
	uint64_t delta = task->sum_exec_runtime - st->last_sum;
	uint64_t lag;
	uint64_t floor;

	scxd_fair_count(f, st, task, delta, weight_fp);
	lag = scxd_fair_credit(f);
	st->last_sum = task->sum_exec_runtime;
	if (delta > 0) {
		/* Where it last reached the head of a queue: past the runs before the kernel's
		 * last requeue of it, if any. */
		uint64_t before = f->knows_placement && task->ran_since_placed_ns < delta
					  ? delta - task->ran_since_placed_ns
					  : 0;
		uint64_t reached =
			st->vruntime + scxd_mul_div(before, SCXD_FAIR_WEIGHT_ONE, weight_fp);

		if ((int64_t)(reached - f->vclock) > 0)
			f->vclock = reached;
		st->vruntime += scxd_mul_div(delta, SCXD_FAIR_WEIGHT_ONE, weight_fp);
		st->avg_run = st->avg_run - st->avg_run / 4 + delta / 4;
	}
	/*
	 * A waking task gets the sleeper credit. Others get a slice more: a task runnable all
	 * along is at most its deadline's request behind, and must not be pulled forward; the
	 * bound still catches a task whose wakeup we never saw (placed on an idle CPU by BPF).
	 */
	if (!(task->flags & SCXD_TASK_WAKEUP))
		lag += f->p.slice_ns;
	floor = f->vclock - scxd_mul_div(lag, SCXD_FAIR_WEIGHT_ONE, weight_fp);
	if ((int64_t)(st->vruntime - floor) < 0)
		st->vruntime = floor;
}

/* Queue the task for this pass with vtime = deadline. The caller checked scxd_fair_full. */
static inline int scxd_fair_queue(struct scxd_fair *f, const struct scxd_task_state *st,
				  const struct scxd_task *task, uint64_t weight_fp)
{
	uint64_t cap = scxd_fair_slice(f) < f->p.slice_ns ? scxd_fair_slice(f) : f->p.slice_ns;
	uint64_t req = st->avg_run < cap ? st->avg_run : cap;
	uint64_t deadline = st->vruntime + scxd_mul_div(req, SCXD_FAIR_WEIGHT_ONE, weight_fp);
	struct scxd_decision d =
		scxd_decision_for(task, task->nr_cpus_allowed == 1 ? task->prev_cpu : SCXD_CPU_ANY);

	d.vtime = deadline ? deadline : 1; /* 0 would mean "FIFO" to the daemon */
	if (f->p.requeue_max > 0) {
		/* vtime grows by CPU time * WEIGHT_ONE / weight, as scxd_fair_charge() does */
		uint64_t scale = scxd_mul_div((uint64_t)1 << 16, SCXD_FAIR_WEIGHT_ONE, weight_fp);

		if (scale > 0 && scale <= UINT32_MAX) {
			d.requeue_scale = (uint32_t)scale;
			d.requeue_max = f->p.requeue_max;
		}
		if (d.requeue_scale && f->p.requeue_wakeups) {
			/* what scxd_fair_charge() does at a wakeup: at most the credit behind */
			d.requeue_flags = SCXD_REQUEUE_WAKEUPS;
			d.wake_lag =
				scxd_mul_div(scxd_fair_credit(f), SCXD_FAIR_WEIGHT_ONE, weight_fp);
			d.wake_window_ns = f->p.wake_window_ns;
			/* CFS's wakeup granularity, in vtime at the woken task's weight */
			d.wake_preempt_gran =
				scxd_mul_div(f->p.wakeup_gran_ns, SCXD_FAIR_WEIGHT_ONE, weight_fp);
		}
	}
	return scxd_heap_push(&f->heap, d.vtime, &d);
}

static inline int scxd_fair_pick(struct scxd_fair *f, struct scxd_decision *out)
{
	struct scxd_heap_item item;

	if (!scxd_heap_pop(&f->heap, &item))
		return 0;
	*out = item.d;
	out->slice_ns = scxd_fair_slice(f);
	return 1;
}

#endif /* SCXD_COMMON_FAIR_H */
