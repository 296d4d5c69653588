/* SPDX-License-Identifier: MIT */
/*
 * fifo: tasks run in the order they became runnable, on whichever CPU frees up first.
 * A pinned task waits for its own CPU. The queue is a fixed ring sized at create time, so
 * the hot path never allocates.
 */
#include <stdio.h>
#include <stdlib.h>

#include <scxd/policy.h>

struct fifo {
	struct scxd_decision *ring;
	uint32_t cap; /* power of two */
	uint32_t head; /* next to pick */
	uint32_t tail; /* next free slot */
};

static int fifo_create(const struct scxd_host *host, void **ctx, char *err, size_t errlen)
{
	struct fifo *f = calloc(1, sizeof(*f));
	uint32_t cap = 64;

	while (cap < host->max_tasks && cap < (1u << 24))
		cap <<= 1;
	if (f)
		f->ring = calloc(cap, sizeof(*f->ring));
	if (!f || !f->ring) {
		snprintf(err, errlen, "out of memory for a queue of %u tasks", cap);
		if (f)
			free(f);
		return -1;
	}
	f->cap = cap;
	*ctx = f;
	return 0;
}

static int fifo_on_enqueue(void *ctx, const struct scxd_task *task)
{
	struct fifo *f = ctx;

	if (f->tail - f->head == f->cap)
		return -1; /* full: the daemon runs the task itself */
	f->ring[f->tail++ & (f->cap - 1)] =
		scxd_decision_for(task, task->nr_cpus_allowed == 1 ? task->prev_cpu : SCXD_CPU_ANY);
	return 0;
}

static int fifo_pick(void *ctx, struct scxd_decision *out)
{
	struct fifo *f = ctx;

	if (f->head == f->tail)
		return 0;
	*out = f->ring[f->head++ & (f->cap - 1)];
	return 1;
}

static uint64_t fifo_nr_pending(void *ctx)
{
	(void)ctx;
	return 0; /* every task is handed out in the same pass it arrived */
}

static void fifo_destroy(void *ctx)
{
	struct fifo *f = ctx;

	free(f->ring);
	free(f);
}

static const struct scxd_policy_ops fifo_ops = {
	.struct_size = sizeof(struct scxd_policy_ops),
	.on_enqueue = fifo_on_enqueue,
	.pick = fifo_pick,
	.on_exit = NULL,
	.nr_pending = fifo_nr_pending,
	.destroy = fifo_destroy,
};

SCXD_POLICY_DEFINE("fifo", "first come, first served on the first free CPU", "1.0", &fifo_ops,
		   fifo_create);
