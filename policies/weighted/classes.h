/* SPDX-License-Identifier: MIT */
/*
 * The weighted policy's classes, from config keys class.N.* (a TOML array of tables
 * [[policy.weighted.class]], flattened by the daemon): a name, a weight and exactly one
 * matcher (uid, cgroup subtree or comm prefix). The first class that matches a task wins.
 */
#ifndef SCXD_WEIGHTED_CLASSES_H
#define SCXD_WEIGHTED_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include <scxd/policy.h>

#include "cgroup_ids.h"

#define WCLASS_MAX 64

enum wclass_match {
	WCLASS_UID,
	WCLASS_CGROUP,
	WCLASS_COMM,
};

struct wclass {
	char name[65];
	uint64_t weight; /* 1 .. 10000, on the scale of task weights (100 = one nice-0 task) */
	enum wclass_match match;
	uint32_t uid;
	char comm[16];
	size_t comm_len;
	struct cgroup_ids cgroups;
	char cgroup[128]; /* the configured path, for the log (may be cut short) */
};

struct wclass_set {
	struct wclass *v;
	uint32_t n;
};

/* Read and check every class. 0, or -1 with a one-line message naming the key in err. */
int wclass_set_load(struct wclass_set *set, const struct scxd_host *host, char *err, size_t errlen);
void wclass_set_free(struct wclass_set *set);
/* Index of the first class matching `task`, or -1. Hot path: no allocation. */
int wclass_set_match(const struct wclass_set *set, const struct scxd_task *task);

#endif /* SCXD_WEIGHTED_CLASSES_H */
