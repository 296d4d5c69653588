/* SPDX-License-Identifier: MIT */
/*
 * pingpong ROUND_TRIPS: two processes pass one byte back and forth over two pipes, as
 * `perf bench sched pipe` does, ROUND_TRIPS times; then print "round_trips=N ns_per_trip=T".
 * Every trip is two wakeups that each find the other CPU idle on a quiet machine: the
 * wake-window test counts how many of them reached the daemon.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Read one byte from `in` and write it to `out`, `n` times (`first`: write first). */
static int bounce(int in, int out, long n, int first)
{
	char c = 'x';

	for (long i = 0; i < n; i++) {
		if (first && write(out, &c, 1) != 1)
			return -1;
		if (read(in, &c, 1) != 1)
			return -1;
		if (!first && write(out, &c, 1) != 1)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ping[2], pong[2], status = 0;
	long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	long long t0;
	pid_t child;

	if (n <= 0) {
		fprintf(stderr, "usage: pingpong ROUND_TRIPS (a positive number)\n");
		return 64;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	t0 = now_ns();
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0)
		_exit(bounce(ping[0], pong[1], n, 0) ? 1 : 0);
	if (bounce(pong[0], ping[1], n, 1) || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pingpong: a read or write failed\n");
		return 1;
	}
	printf("round_trips=%ld ns_per_trip=%lld\n", n, (now_ns() - t0) / n);
	return 0;
}
