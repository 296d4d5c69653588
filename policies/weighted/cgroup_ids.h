/* SPDX-License-Identifier: MIT */
/*
 * The ids of a cgroup v2 subtree, read once at create time. A cgroup's id (what the kernel
 * reports as scxd_task.cgroup_id) is the inode number of its directory. Lookups are a binary
 * search over a sorted array: no allocation on the hot path.
 */
#ifndef SCXD_WEIGHTED_CGROUP_IDS_H
#define SCXD_WEIGHTED_CGROUP_IDS_H

#include <stddef.h>
#include <stdint.h>

struct cgroup_ids {
	uint64_t *ids; /* sorted, unique */
	size_t n;
};

/* Every directory at and below `dir`. 0, or -1 with "<key>: <reason>" in err. */
int cgroup_ids_collect(struct cgroup_ids *out, const char *dir, const char *key, char *err,
		       size_t errlen);
int cgroup_ids_contains(const struct cgroup_ids *set, uint64_t id);
void cgroup_ids_free(struct cgroup_ids *set);
/* Whether `dir` lies on a cgroup v2 file system (where the ids above are cgroup ids). */
int cgroup_is_v2(const char *dir);

#endif /* SCXD_WEIGHTED_CGROUP_IDS_H */
