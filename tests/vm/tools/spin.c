/* SPDX-License-Identifier: MIT */
/*
 * spin SECONDS [NICE [GO_FILE]]: burn one CPU for SECONDS of wall time at nice NICE (default 0),
 * then print the CPU time this process got in that time ("cpu_ns=N"). The fairness tests
 * compare these numbers between schedulers. (busybox-static has no `nice` applet.)
 *
 * GO_FILE makes every hog of a test measure the same window: each creates GO_FILE.PID when it
 * runs, then spins (uncounted) until GO_FILE holds a start time in seconds since boot (as in
 * /proc/uptime), which the test writes once every hog is ready, and counts from that time on.
 * Hogs that start one after the other (fork and exec are slow under TCG) would otherwise each
 * run alone for a while at the start or the end of their own window, which pulls shares
 * towards equal.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* Say we run, then spin until the test writes the start time into `go`. */
static long long wait_for_go(const char *go)
{
	char path[4096];
	FILE *f;
	double at = 0;

	snprintf(path, sizeof(path), "%s.%ld", go, (long)getpid());
	f = fopen(path, "w");
	if (!f || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	for (;;) {
		burn_until(ns(CLOCK_BOOTTIME) + 1000000); /* check every millisecond */
		f = fopen(go, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lf", &at) != 1)
			at = 0;
		fclose(f);
		if (at > 0)
			return (long long)(at * 1e9);
	}
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
		start = wait_for_go(argv[3]);
		if (start < ns(CLOCK_BOOTTIME)) {
			fprintf(stderr, "spin: the start time in %s has passed\n", argv[3]);
			return 1;
		}
		burn_until(start); /* competing, as the others do, but not counted */
	}
	cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	burn_until(start + (long long)(atof(argv[1]) * 1e9));
	printf("cpu_ns=%lld\n", ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
	return 0;
}
