/* SPDX-License-Identifier: MIT */
/*
 * spin SECONDS [NICE]: burn one CPU for SECONDS of wall time at nice NICE (default 0), then
 * print the CPU time this process actually got ("cpu_ns=N"). The fairness tests compare these
 * numbers between schedulers. (busybox-static has no `nice` applet.)
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

int main(int argc, char **argv)
{
	volatile unsigned long sink = 0;
	long long end;

	if (argc < 2 || argc > 3 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS [NICE]\n", argv[0]);
		return 64;
	}
	if (argc == 3 && setpriority(PRIO_PROCESS, 0, atoi(argv[2])) != 0) {
		perror("spin: setpriority");
		return 1;
	}
	end = ns(CLOCK_MONOTONIC) + (long long)(atof(argv[1]) * 1e9);
	while (ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i;
	printf("cpu_ns=%lld\n", ns(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}
