/* SPDX-License-Identifier: MIT */
/*
 * spin SECONDS [NICE [START]]: burn one CPU for SECONDS of wall time at nice NICE (default 0),
 * then print the CPU time this process got in that time ("cpu_ns=N"). The fairness tests
 * compare these numbers between schedulers. (busybox-static has no `nice` applet.)
 *
 * START (seconds since boot, as in /proc/uptime) makes every hog of a test measure the same
 * window: each waits for it, spinning, and counts only the CPU time from START on. Hogs that
 * start one after the other (fork and exec are slow under TCG) would otherwise each run alone
 * for a while at the start or the end of their own window, which pulls shares towards equal.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static long long ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void burn_until(long long end)
{
	volatile unsigned long sink = 0;

	while (ns(CLOCK_BOOTTIME) < end)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i;
}

int main(int argc, char **argv)
{
	long long start;
	long long cpu0;

	if (argc < 2 || argc > 4 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS [NICE [START]]\n", argv[0]);
		return 64;
	}
	if (argc >= 3 && setpriority(PRIO_PROCESS, 0, atoi(argv[2])) != 0) {
		perror("spin: setpriority");
		return 1;
	}
	start = ns(CLOCK_BOOTTIME);
	if (argc == 4) {
		long long at = (long long)(atof(argv[3]) * 1e9);

		if (at < start) {
			fprintf(stderr, "spin: START %s has passed (uptime now %.2f)\n", argv[3],
				start / 1e9);
			return 1;
		}
		burn_until(at); /* competing, as the others do, but not counted */
		start = at;
	}
	cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	burn_until(start + (long long)(atof(argv[1]) * 1e9));
	printf("cpu_ns=%lld\n", ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
	return 0;
}
