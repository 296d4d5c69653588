/* SPDX-License-Identifier: MIT */
/*
 * wakeup-first: tasks run in the order they became runnable, except that a task that just
 * woke up counts as if it had waited `boost_us` longer, so interactive tasks overtake CPU
 * hogs. The order travels as `vtime` (enqueue time minus the boost): the kernel's queues are
 * sorted by it, so every task can be handed out at once.
 */
#include <stdio.h>
#include <stdlib.h>

#include <scxd/policy.h>

struct wakeup_first {
	uint64_t boost_ns;
	uint32_t cap; /* at most host->max_tasks tasks wait at once */
	uint32_t nr; /* tasks taken but not picked yet */
	struct scxd_decision held[]; /* allocated once, in create */
};

static int wf_create(const struct scxd_host *host, void **ctx, char *err, size_t errlen)
{
	int64_t boost_us = 2000;
	struct wakeup_first *wf;

	if (host->param_i64(host, "boost_us", &boost_us) < 0 || boost_us < 0 ||
	    boost_us > 1000000) {
		snprintf(err, errlen, "boost_us must be an integer in 0 .. 1000000 (microseconds)");
		return -1;
	}
	wf = calloc(1, sizeof(*wf) + host->max_tasks * sizeof(wf->held[0]));
	if (!wf) {
		snprintf(err, errlen, "out of memory for %u tasks", host->max_tasks);
		return -1;
	}
	wf->boost_ns = (uint64_t)boost_us * 1000;
	wf->cap = host->max_tasks;
	*ctx = wf;
	return 0;
}

static int wf_on_enqueue(void *ctx, const struct scxd_task *task)
{
	struct wakeup_first *wf = ctx;
	struct scxd_decision d =
		scxd_decision_for(task, task->nr_cpus_allowed == 1 ? task->prev_cpu : SCXD_CPU_ANY);
	uint64_t boost = (task->flags & SCXD_TASK_WAKEUP) ? wf->boost_ns : 0;

	if (wf->nr == wf->cap)
		return -1; /* full: the daemon runs the task itself */
	d.vtime = task->enqueue_ns > boost ? task->enqueue_ns - boost : 1; /* 0 would mean FIFO */
	wf->held[wf->nr++] = d;
	return 0;
}

static int wf_pick(void *ctx, struct scxd_decision *out)
{
	struct wakeup_first *wf = ctx;

	if (wf->nr == 0)
		return 0;
	*out = wf->held[--wf->nr]; /* any order will do: vtime sorts them in the kernel */
	return 1;
}

static const struct scxd_policy_ops wf_ops = {
	.struct_size = sizeof(struct scxd_policy_ops),
	.on_enqueue = wf_on_enqueue,
	.pick = wf_pick,
	.on_exit = NULL, /* keeps no per-task state */
	.nr_pending = NULL, /* never holds a task back */
	.destroy = free,
};

SCXD_POLICY_DEFINE("wakeup-first", "FIFO by enqueue time, wakeups boost_us ahead (example)", "1.0",
		   &wf_ops, wf_create);
