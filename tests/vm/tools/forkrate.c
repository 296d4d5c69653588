/* SPDX-License-Identifier: MIT */
/*
 * forkrate RATE SECONDS: start RATE short-lived processes per second for SECONDS of wall time
 * (paced: a process every 1/RATE s, as many at once as it fell behind, but never more than
 * MAX_ALIVE unreaped at once: a machine slower than RATE must not run out of memory or pids,
 * it just reaches a lower rate), reap every one and
 * print "forkrate: started=N exited_ok=N failed=N seconds=S rate=R". Each child touches a page
 * and exits, so it goes through the scheduler at least twice (fork, then wake-up of the
 * parent at exit). Exit status 0 only when every child was started and exited with status 0:
 * a lost task shows as a child that never exits (the test's timeout) or as a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ALIVE 256

static volatile char page[4096]; /* each child writes to it once */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reap what has exited (all of it when `block`); count the clean exits and the others. */
static void reap(int block, long *ok, long *failed, long *running)
{
	int status;
	pid_t pid;

	while (*running > 0 && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) != 0) {
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		--*running;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			++*ok;
		else
			++*failed;
	}
}

int main(int argc, char **argv)
{
	long rate = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	long secs = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	long started = 0, ok = 0, failed = 0, running = 0, fork_errors = 0;
	long long t0, end, due;
	double wall;

	if (rate <= 0 || rate > 1000000 || secs <= 0 || secs > 3600) {
		fprintf(stderr,
			"usage: forkrate RATE SECONDS (1..1000000 per second, 1..3600 s)\n");
		return 64;
	}
	t0 = now_ns();
	end = t0 + secs * 1000000000LL;
	for (;;) {
		long long now = now_ns();

		if (now >= end)
			break;
		due = (long long)((double)(now - t0) * (double)rate / 1e9) + 1;
		while (started < due && running < MAX_ALIVE) {
			pid_t pid = fork();

			if (pid == 0) {
				page[0] = 1; /* a write fault: real work, however little */
				_exit(0);
			}
			if (pid < 0) {
				++fork_errors;
				break;
			}
			++started;
			++running;
		}
		reap(0, &ok, &failed, &running);
		if (started >= due || running >= MAX_ALIVE) {
			struct timespec pause = {0, 200000}; /* 0.2 ms */

			nanosleep(&pause, NULL);
		}
	}
	reap(1, &ok, &failed, &running);
	wall = (double)(now_ns() - t0) / 1e9;
	printf("forkrate: started=%ld exited_ok=%ld failed=%ld fork_errors=%ld seconds=%.1f "
	       "rate=%.0f\n",
	       started, ok, failed + running, fork_errors, wall, (double)started / wall);
	return ok == started && fork_errors == 0 ? 0 : 1;
}
