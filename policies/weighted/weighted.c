/* SPDX-License-Identifier: MIT */
/*
 * weighted: proportional CPU shares between classes of tasks defined in config, fair within a
 * class; a task in no class competes with its own nice weight.
 *
 * It is the vruntime policy (common/fair.h) with effective weights: a task in class C gets
 * weight(C) * weight(task) / (weight of C's active tasks), so the class as a whole weighs
 * weight(C), split among its tasks by nice weight. Which of C's tasks still compete is
 * estimated from C's own CPU use (common/active.h). Class weights are on the task scale: a
 * class of weight 100 weighs as much as one nice-0 task outside any class.
 */
#include <stdio.h>
#include <stdlib.h>

#include <scxd/policy.h>

#include "classes.h"
#include "common/active.h"
#include "common/fair.h"

struct weighted {
	struct scxd_fair fair;
	struct wclass_set classes;
	struct scxd_active *shares; /* the competing tasks of each class */
};

static void weighted_destroy(void *ctx)
{
	struct weighted *w = ctx;

	scxd_fair_fini(&w->fair);
	wclass_set_free(&w->classes);
	free(w->shares);
	free(w);
}

static int weighted_create(const struct scxd_host *host, void **ctx, char *err, size_t errlen)
{
	struct weighted *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (scxd_fair_init(&w->fair, host, err, errlen)) {
		free(w);
		return -1;
	}
	if (wclass_set_load(&w->classes, host, err, errlen)) {
		weighted_destroy(w);
		return -1;
	}
	if (w->classes.n == 0)
		host->log(host, SCXD_LOG_WARN,
			  "no classes configured ([[policy.weighted.class]]): every task uses its "
			  "nice weight, as with the vruntime policy");
	w->shares = calloc(w->classes.n ? w->classes.n : 1, sizeof(*w->shares));
	if (!w->shares) {
		snprintf(err, errlen, "out of memory for %u classes", w->classes.n);
		weighted_destroy(w);
		return -1;
	}
	*ctx = w;
	return 0;
}

static void release(struct weighted *w, struct scxd_task_state *st)
{
	if (st->group >= 0 && (uint32_t)st->group < w->classes.n)
		scxd_active_release(&w->shares[st->group], &st->in_group);
	st->group = -1;
}

/* The task's effective weight (fixed point), after counting it in its class. */
static uint64_t effective_weight(struct weighted *w, struct scxd_task_state *st,
				 const struct scxd_task *task)
{
	uint64_t tw = scxd_fair_task_weight(task) >> SCXD_FAIR_WSHIFT;
	int c = wclass_set_match(&w->classes, task);
	uint64_t bucket_ns = w->fair.bucket_ns;
	struct scxd_active *cs;
	uint64_t eff;

	release(w, st);
	if (c < 0)
		return tw << SCXD_FAIR_WSHIFT;
	if (task->pid <= 0) /* scratch state: counted nowhere, as if alone in its class */
		return w->classes.v[c].weight << SCXD_FAIR_WSHIFT;
	cs = &w->shares[c];
	scxd_active_advance(cs, bucket_ns, task->sum_exec_runtime - st->last_sum);
	scxd_active_count(cs, bucket_ns, &st->in_group, (uint32_t)tw,
			  scxd_fair_turn_ns(&w->fair, task));
	st->group = c;
	eff = (w->classes.v[c].weight * tw << SCXD_FAIR_WSHIFT) / cs->weight;
	return eff ? eff : 1;
}

static int weighted_on_enqueue(void *ctx, const struct scxd_task *task)
{
	struct weighted *w = ctx;
	struct scxd_task_state evicted;
	struct scxd_task_state *st;
	int was_evicted;
	uint64_t eff;

	if (scxd_fair_full(&w->fair))
		return -1; /* the daemon runs the task itself; its state is untouched */
	st = scxd_fair_track(&w->fair, task, &evicted, &was_evicted);
	if (was_evicted)
		release(w, &evicted);
	eff = effective_weight(w, st, task);
	scxd_fair_charge(&w->fair, st, task, eff);
	return scxd_fair_queue(&w->fair, st, task, eff);
}

static int weighted_pick(void *ctx, struct scxd_decision *out)
{
	struct weighted *w = ctx;

	return scxd_fair_pick(&w->fair, out);
}

static void weighted_on_exit(void *ctx, int32_t pid)
{
	struct weighted *w = ctx;
	struct scxd_task_state *st = pid > 0 ? scxd_pidtab_find(&w->fair.tab, pid) : NULL;

	if (!st)
		return;
	release(w, st);
	scxd_fair_forget(&w->fair, st);
}

static uint64_t weighted_nr_pending(void *ctx)
{
	const struct weighted *w = ctx;

	return w->fair.heap.len; /* non-zero only when the daemon capped a pass's picks */
}

static const struct scxd_policy_ops weighted_ops = {
	.struct_size = sizeof(struct scxd_policy_ops),
	.on_enqueue = weighted_on_enqueue,
	.pick = weighted_pick,
	.on_exit = weighted_on_exit,
	.nr_pending = weighted_nr_pending,
	.destroy = weighted_destroy,
};

SCXD_POLICY_DEFINE("weighted", "proportional CPU shares between configured classes of tasks", "1.0",
		   &weighted_ops, weighted_create);
