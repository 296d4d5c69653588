/* SPDX-License-Identifier: MIT */
/*
 * ticker SECONDS CPU: a cyclictest-like thread pinned to CPU: sleep 1 ms, run 20 us, for
 * SECONDS of wall time; then print how long the kernel says it waited for a CPU in that time
 * (the run_delay of /proc/self/schedstat, which the scheduler core accounts for every
 * scheduling class) and how often it woke: "wakeups=N run_delay_ns=D". The wake-up tests
 * compare D / N between schedulers in one boot.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long run_delay(void)
{
	unsigned long long on_cpu = 0, delay = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (!f || fscanf(f, "%llu %llu", &on_cpu, &delay) != 2) {
		perror("ticker: /proc/thread-self/schedstat");
		exit(1);
	}
	fclose(f);
	return (long long)delay;
}

int main(int argc, char **argv)
{
	const struct timespec period = {0, 1000000};
	long long end, delay0, wakeups = 0;
	cpu_set_t set;

	if (argc != 3 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS CPU\n", argv[0]);
		return 64;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[2]), &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		perror("ticker: sched_setaffinity");
		return 1;
	}
	end = ns(CLOCK_BOOTTIME) + (long long)(atof(argv[1]) * 1e9);
	delay0 = run_delay();
	while (ns(CLOCK_BOOTTIME) < end) {
		long long busy;

		nanosleep(&period, NULL);
		wakeups++;
		busy = ns(CLOCK_THREAD_CPUTIME_ID) + 20000;
		while (ns(CLOCK_THREAD_CPUTIME_ID) < busy)
			;
	}
	printf("wakeups=%lld run_delay_ns=%lld\n", wakeups, run_delay() - delay0);
	return 0;
}
