/* SPDX-License-Identifier: MIT */
/*
 * vruntime: weighted fair sharing by virtual runtime, with deadlines that favour tasks which
 * run briefly (see common/fair.h). Each task's share follows its nice weight. Every task of a
 * pass is handed out at once, ordered by deadline; the kernel keeps that order per CPU.
 */
#include <stdio.h>
#include <stdlib.h>

#include <scxd/policy.h>

#include "common/fair.h"

static int vruntime_create(const struct scxd_host *host, void **ctx, char *err, size_t errlen)
{
	struct scxd_fair *f = malloc(sizeof(*f));

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (scxd_fair_init(f, host, err, errlen)) {
		free(f);
		return -1;
	}
	*ctx = f;
	return 0;
}

static int vruntime_on_enqueue(void *ctx, const struct scxd_task *task)
{
	struct scxd_fair *f = ctx;
	uint64_t weight = scxd_fair_task_weight(task);
	struct scxd_task_state evicted;
	struct scxd_task_state *st;
	int was_evicted;

	if (scxd_fair_full(f))
		return -1; /* the daemon runs the task itself; its state is untouched */
	st = scxd_fair_track(f, task, &evicted, &was_evicted);
	scxd_fair_charge(f, st, task, weight);
	return scxd_fair_queue(f, st, task, weight);
}

static int vruntime_pick(void *ctx, struct scxd_decision *out)
{
	return scxd_fair_pick(ctx, out);
}

static void vruntime_on_exit(void *ctx, int32_t pid)
{
	struct scxd_fair *f = ctx;
	struct scxd_task_state *st = pid > 0 ? scxd_pidtab_find(&f->tab, pid) : NULL;

	if (st)
		scxd_fair_forget(f, st);
}

static uint64_t vruntime_nr_pending(void *ctx)
{
	const struct scxd_fair *f = ctx;

	return f->heap.len; /* non-zero only when the daemon capped a pass's picks */
}

static void vruntime_destroy(void *ctx)
{
	scxd_fair_fini(ctx);
	free(ctx);
}

static const struct scxd_policy_ops vruntime_ops = {
	.struct_size = sizeof(struct scxd_policy_ops),
	.on_enqueue = vruntime_on_enqueue,
	.pick = vruntime_pick,
	.on_exit = vruntime_on_exit,
	.nr_pending = vruntime_nr_pending,
	.destroy = vruntime_destroy,
};

SCXD_POLICY_DEFINE("vruntime", "weighted fair share by virtual runtime; brief runners first", "1.0",
		   &vruntime_ops, vruntime_create);
