/* SPDX-License-Identifier: MIT */
#define _DEFAULT_SOURCE /* NOLINT(bugprone-reserved-identifier): glibc feature macro for openat, fdopendir, fstatat, statfs */

#include "cgroup_ids.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

/* Deeper than any real hierarchy; bounds the open directories of the walk. */
#define CGROUP_MAX_DEPTH 64

static int push_id(struct cgroup_ids *set, size_t *cap, uint64_t id)
{
	if (set->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		uint64_t *ids = realloc(set->ids, ncap * sizeof(*ids));

		if (!ids)
			return -1;
		set->ids = ids;
		*cap = ncap;
	}
	set->ids[set->n++] = id;
	return 0;
}

/* Adds the ids of every directory below `dfd` (which it closes). -1 when out of memory. */
static int walk(int dfd, unsigned depth, struct cgroup_ids *set, size_t *cap)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		close(dfd);
		return 0; /* unreadable: nothing to add, not an error */
	}
	const int fd = dirfd(d);

	if (fd < 0) { /* cannot happen for an open DIR; the analyser does not know */
		closedir(d);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		rc = push_id(set, cap, (uint64_t)st.st_ino);
		if (rc || depth + 1 >= CGROUP_MAX_DEPTH)
			continue;
		sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			rc = walk(sub, depth + 1, set, cap);
	}
	closedir(d);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int cgroup_ids_collect(struct cgroup_ids *out, const char *dir, const char *key, char *err,
		       size_t errlen)
{
	size_t cap = 0;
	struct stat st;
	size_t i, n;
	int dfd;

	out->ids = NULL;
	out->n = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st)) {
		snprintf(err, errlen,
			 "%s: cannot open %s: %s (the cgroup must exist when scxd starts)", key,
			 dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (push_id(out, &cap, (uint64_t)st.st_ino) || walk(dfd, 0, out, &cap)) {
		snprintf(err, errlen, "%s: out of memory reading the cgroups under %s", key, dir);
		cgroup_ids_free(out);
		return -1;
	}
	qsort(out->ids, out->n, sizeof(*out->ids), cmp_u64);
	for (i = n = 0; i < out->n; i++)
		if (n == 0 || out->ids[n - 1] != out->ids[i])
			out->ids[n++] = out->ids[i];
	out->n = n;
	return 0;
}

int cgroup_ids_contains(const struct cgroup_ids *set, uint64_t id)
{
	size_t lo = 0;
	size_t hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->ids[mid] == id)
			return 1;
		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void cgroup_ids_free(struct cgroup_ids *set)
{
	free(set->ids);
	set->ids = NULL;
	set->n = 0;
}

int cgroup_is_v2(const char *dir)
{
	struct statfs fs;

	return statfs(dir, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}
