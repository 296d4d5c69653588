/* SPDX-License-Identifier: MIT */
/*
 * sched-ext-run CMD [ARGS...]: run CMD with scheduling policy SCHED_EXT (7), so that a
 * scheduler attached in partial mode (SCX_OPS_SWITCH_PARTIAL) schedules it. util-linux's chrt
 * in Debian 12 does not know the policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCHED_EXT 7

struct sched_attr_v0 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int main(int argc, char **argv)
{
	struct sched_attr_v0 attr = {.size = sizeof(attr), .sched_policy = SCHED_EXT};

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 64;
	}
	if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
		fprintf(stderr, "sched-ext-run: sched_setattr(SCHED_EXT): %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "sched-ext-run: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
