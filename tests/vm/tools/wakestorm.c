/* SPDX-License-Identifier: MIT */
/*
 * wakestorm N PID SECONDS: N children switch themselves to SCHED_EXT and block on one pipe;
 * then process PID (the daemon) is stopped, all N are woken at once (the pipe's writer closes)
 * and for SECONDS the children that exit are counted (only tasks BPF runs without the daemon
 * can); then PID is continued and every child is reaped. Prints
 * "wakestorm: children=N exited_while_stopped=M". The caller itself stays on its own
 * scheduling class, so it can always continue PID. Exit status 0 only when every child
 * exited with status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sched_ext.h"

static void child(int ready, int go)
{
	char c = 1;

	if (switch_to_sched_ext() != 0 || write(ready, &c, 1) != 1)
		_exit(1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0); /* EOF: woken */
}

/* SIGSTOP takes effect asynchronously: wait (up to 2 s) until PID's state is 'T', so that it
 * decides nothing after the children are woken. */
static int wait_stopped(pid_t pid)
{
	struct timespec ms = {0, 1000 * 1000};
	char path[64], buf[512], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't'))
			return 0;
		nanosleep(&ms, NULL);
	}
	return -1;
}

/* Reap what has exited without waiting; count failures. */
static int reap(int flags, int *failed)
{
	int n = 0, status;

	while (waitpid(-1, &status, flags) > 0) {
		n++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			(*failed)++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int ready[2], go[2], failed = 0, stopped_exits = 0, rest;
	long n, i, got = 0;
	pid_t daemon;
	struct timespec tick = {0, 10 * 1000 * 1000};
	long ticks;
	char buf[256];

	if (argc != 4 || (n = atol(argv[1])) <= 0 || (daemon = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: %s N PID SECONDS\n", argv[0]);
		return 64;
	}
	ticks = atol(argv[3]) * 100;
	if (pipe(ready) || pipe(go))
		return perror("pipe"), 1;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			close(ready[0]);
			close(go[1]);
			child(ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	while (got < n) {
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r <= 0)
			return fprintf(stderr, "wakestorm: %ld of %ld children ready\n", got, n), 1;
		got += r;
	}
	if (kill(daemon, SIGSTOP))
		return perror("kill -STOP"), 1;
	if (wait_stopped(daemon))
		return fprintf(stderr, "wakestorm: %d did not stop\n", (int)daemon), 1;
	close(go[1]); /* every child wakes */
	while (ticks-- > 0) {
		nanosleep(&tick, NULL);
		stopped_exits += reap(WNOHANG, &failed);
	}
	kill(daemon, SIGCONT);
	rest = reap(0, &failed);
	printf("wakestorm: children=%ld exited_while_stopped=%d exited_after=%d failed=%d\n", n,
	       stopped_exits, rest, failed);
	return failed == 0 && stopped_exits + rest == n ? 0 : 1;
}
