/* SPDX-License-Identifier: MIT */
/*
 * sched-ext-run CMD [ARGS...]: run CMD with scheduling policy SCHED_EXT (7), so that a
 * scheduler attached in partial mode (SCX_OPS_SWITCH_PARTIAL) schedules it. util-linux's chrt
 * in Debian 12 does not know the policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sched_ext.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 64;
	}
	if (switch_to_sched_ext() != 0) {
		fprintf(stderr, "sched-ext-run: sched_setattr(SCHED_EXT): %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "sched-ext-run: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
