/* SPDX-License-Identifier: MIT */
/* run-as-uid UID CMD [ARGS...]: run CMD with real and effective uid/gid UID (tests of
 * uid-based policy classes; busybox has no setuidgid applet we can rely on). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s UID CMD [ARGS...]\n", argv[0]);
		return 64;
	}
	unsigned id = (unsigned)strtoul(argv[1], NULL, 10);
	if (setgid(id) != 0 || setuid(id) != 0) {
		fprintf(stderr, "run-as-uid: %u: %s\n", id, strerror(errno));
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "run-as-uid: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
