/* SPDX-License-Identifier: MIT */
/*
 * policy.h as a plugin author sees it: strict C11 (-std=c11 -pedantic -Werror, see
 * tests/meson.build). That it builds is most of the test; running it checks that
 * SCXD_POLICY_DEFINE and scxd_decision_for fill in what the daemon reads.
 */
#include <string.h>

#include "abi_layout.h"

static int on_enqueue(void *ctx, const struct scxd_task *task)
{
	(void)ctx;
	return task->pid > 0 ? 0 : -1;
}

static int pick(void *ctx, struct scxd_decision *out)
{
	(void)ctx;
	(void)out;
	return 0;
}

static int create(const struct scxd_host *host, void **ctx, char *err, size_t errlen)
{
	(void)host;
	(void)err;
	(void)errlen;
	*ctx = NULL;
	return 0;
}

static const struct scxd_policy_ops ops = {
	sizeof(struct scxd_policy_ops), 0, on_enqueue, pick, NULL, NULL, NULL,
};

SCXD_POLICY_DEFINE("abi-check-c", "compile check", "1.0", &ops, create);

int main(void)
{
	struct scxd_task task;
	struct scxd_decision d;
	const struct scxd_policy_entry *e = &scxd_policy_entry_v1;
	void *ctx = &task;

	memset(&task, 0, sizeof(task));
	task.pid = 42;
	task.cookie = 0xfeedu;
	d = scxd_decision_for(&task, 3);
	if (d.pid != 42 || d.cpu != 3 || d.slice_ns != 0 || d.vtime != 0 || d.cookie != 0xfeedu)
		return 1;
	if (e->abi_major != SCXD_POLICY_ABI_MAJOR || e->abi_minor != SCXD_POLICY_ABI_MINOR ||
	    e->struct_size != sizeof(struct scxd_policy_entry) || e->ops != &ops)
		return 2;
	if (strcmp(e->name, "abi-check-c") != 0 || e->create(NULL, &ctx, NULL, 0) != 0 || ctx)
		return 3;
	return e->ops->on_enqueue(NULL, &task);
}
