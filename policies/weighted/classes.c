/* SPDX-License-Identifier: MIT */
#include "classes.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_PATH_MAX 4096 /* PATH_MAX, which strict C11 does not declare */

struct class_reader {
	const struct scxd_host *host;
	uint32_t index;
	const char *cgroup_root;
	char *err;
	size_t errlen;
};

static const char *class_key(const struct class_reader *r, const char *field, char *buf, size_t len)
{
	snprintf(buf, len, "class.%" PRIu32 ".%s", r->index, field);
	return buf;
}

__attribute__((format(printf, 2, 3))) static int fail(const struct class_reader *r, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A cgroup path is "/" or "/a/b", never leaving the root with "..". */
static int cgroup_path_ok(const char *path)
{
	const char *p;

	if (path[0] != '/')
		return 0;
	for (p = path; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return 0;
	return 1;
}

static int read_cgroup(const struct class_reader *r, struct wclass *c, const char *key,
		       const char *path)
{
	char dir[CGROUP_PATH_MAX];

	if (!cgroup_path_ok(path))
		return fail(r,
			    "%s must be a path under the cgroup root starting with '/' "
			    "(e.g. \"/system.slice\"), got \"%s\"",
			    key, path);
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", r->cgroup_root,
			     strcmp(path, "/") ? path : "") >= sizeof(dir))
		return fail(r, "%s is too long: \"%s\"", key, path);
	c->match = WCLASS_CGROUP;
	snprintf(c->cgroup, sizeof(c->cgroup), "%s", path);
	return cgroup_ids_collect(&c->cgroups, dir, key, r->err, r->errlen);
}

static int read_matcher(const struct class_reader *r, struct wclass *c)
{
	const struct scxd_host *h = r->host;
	char kuid[48], kcg[48], kcomm[48];
	const char *cgroup = NULL;
	const char *comm = NULL;
	int64_t uid = 0;
	int rc_uid = h->param_i64(h, class_key(r, "uid", kuid, sizeof(kuid)), &uid);
	int rc_cg = h->param_str(h, class_key(r, "cgroup", kcg, sizeof(kcg)), &cgroup);
	int rc_comm = h->param_str(h, class_key(r, "comm", kcomm, sizeof(kcomm)), &comm);

	if (rc_uid < 0)
		return fail(r, "%s must be an integer (a user id)", kuid);
	if (rc_cg < 0)
		return fail(r, "%s must be a string (a cgroup path)", kcg);
	if (rc_comm < 0)
		return fail(r, "%s must be a string (a command name prefix)", kcomm);
	if ((rc_uid == 0) + (rc_cg == 0) + (rc_comm == 0) != 1)
		return fail(r,
			    "class.%" PRIu32 " (\"%s\") needs exactly one of uid, cgroup or comm",
			    r->index, c->name);
	if (rc_uid == 0) {
		if (uid < 0 || uid >= (int64_t)UINT32_MAX)
			return fail(r, "%s must be a user id 0..%" PRIu32 ", got %" PRId64, kuid,
				    UINT32_MAX - 1, uid);
		c->match = WCLASS_UID;
		c->uid = (uint32_t)uid;
		return 0;
	}
	if (rc_cg == 0)
		return read_cgroup(r, c, kcg, cgroup);
	c->comm_len = strlen(comm);
	if (c->comm_len == 0 || c->comm_len >= sizeof(c->comm))
		return fail(r, "%s must be 1..15 characters (a command name prefix), got \"%s\"",
			    kcomm, comm);
	memcpy(c->comm, comm, c->comm_len + 1);
	c->match = WCLASS_COMM;
	return 0;
}

/* 0 read, 1 no class at this index, -1 error. */
static int read_class(const struct class_reader *r, struct wclass *c)
{
	const struct scxd_host *h = r->host;
	char kname[48], kweight[48];
	const char *name = NULL;
	int64_t weight = 0;
	int rc_name = h->param_str(h, class_key(r, "name", kname, sizeof(kname)), &name);
	int rc_weight = h->param_i64(h, class_key(r, "weight", kweight, sizeof(kweight)), &weight);

	if (rc_name == 1 && rc_weight == 1)
		return 1;
	if (rc_name < 0)
		return fail(r, "%s must be a string", kname);
	if (rc_name == 1)
		return fail(r, "%s is missing: every class needs a name", kname);
	if (name[0] == '\0' || strlen(name) >= sizeof(c->name))
		return fail(r, "%s must be 1..64 characters, got \"%s\"", kname, name);
	memcpy(c->name, name, strlen(name) + 1);
	if (rc_weight < 0)
		return fail(r, "%s must be an integer 1..10000", kweight);
	if (rc_weight == 1)
		return fail(r, "%s is missing: every class needs a weight 1..10000", kweight);
	if (weight < 1 || weight > 10000)
		return fail(r, "%s must be 1..10000, got %" PRId64, kweight, weight);
	c->weight = (uint64_t)weight;
	return read_matcher(r, c);
}

/* Whether class.N exists at all (for the index one past the limit: an error then). */
static int class_present(const struct class_reader *r)
{
	const struct scxd_host *h = r->host;
	char kname[48], kweight[48];
	const char *name = NULL;
	int64_t weight = 0;

	if (h->param_str(h, class_key(r, "name", kname, sizeof(kname)), &name) == 1 &&
	    h->param_i64(h, class_key(r, "weight", kweight, sizeof(kweight)), &weight) == 1)
		return 0;
	fail(r, "at most %d classes: class.%" PRIu32 " is one too many", WCLASS_MAX, r->index);
	return 1;
}

static int check_unique(const struct wclass_set *set, const struct class_reader *r)
{
	const struct wclass *c = &set->v[r->index];
	uint32_t i;

	for (i = 0; i < r->index; i++)
		if (strcmp(set->v[i].name, c->name) == 0)
			return fail(r,
				    "class.%" PRIu32 ".name \"%s\" is already the name of "
				    "class.%" PRIu32,
				    r->index, c->name, i);
	return 0;
}

static void log_class(const struct scxd_host *host, const struct wclass *c, const char *root)
{
	char line[512];

	switch (c->match) {
	case WCLASS_UID:
		snprintf(line, sizeof(line), "class %s: weight %" PRIu64 ", uid %" PRIu32, c->name,
			 c->weight, c->uid);
		break;
	case WCLASS_COMM:
		snprintf(line, sizeof(line), "class %s: weight %" PRIu64 ", comm prefix \"%s\"",
			 c->name, c->weight, c->comm);
		break;
	default:
		snprintf(line, sizeof(line),
			 "class %s: weight %" PRIu64 ", cgroup %s and below in %s: %zu cgroups now "
			 "(cgroups created later match after a restart)",
			 c->name, c->weight, c->cgroup, root, c->cgroups.n);
		break;
	}
	host->log(host, SCXD_LOG_INFO, line);
}

/* Directory inodes elsewhere are not cgroup ids: such classes would match nothing. */
static void warn_not_v2(const struct wclass_set *set, const struct scxd_host *host,
			const char *root)
{
	char line[CGROUP_PATH_MAX + 128];
	uint32_t i;

	for (i = 0; i < set->n; i++) {
		if (set->v[i].match == WCLASS_CGROUP && !cgroup_is_v2(root)) {
			snprintf(line, sizeof(line),
				 "%s is not a cgroup v2 mount: cgroup classes match no task (set "
				 "cgroup_root to where cgroup2 is mounted)",
				 root);
			host->log(host, SCXD_LOG_WARN, line);
			return;
		}
	}
}

/* Classes 0, 1, ... until the first index with neither name nor weight. */
static int read_classes(struct wclass_set *set, struct class_reader *r)
{
	int rc;

	for (r->index = 0; r->index < WCLASS_MAX; r->index++) {
		rc = read_class(r, &set->v[r->index]);
		set->n = r->index + 1; /* a failed class may hold cgroup ids: free it too */
		if (rc == 1) {
			set->n = r->index;
			return 0;
		}
		if (rc < 0 || check_unique(set, r))
			return -1;
	}
	return class_present(r) ? -1 : 0;
}

int wclass_set_load(struct wclass_set *set, const struct scxd_host *host, char *err, size_t errlen)
{
	struct class_reader r = {host, 0, DEFAULT_CGROUP_ROOT, err, errlen};
	uint32_t i;

	set->n = 0;
	set->v = calloc(WCLASS_MAX, sizeof(*set->v));
	if (!set->v) {
		snprintf(err, errlen, "out of memory for %d classes", WCLASS_MAX);
		return -1;
	}
	if (host->param_str(host, "cgroup_root", &r.cgroup_root) < 0) {
		fail(&r, "cgroup_root must be a string (a directory)");
	} else if (read_classes(set, &r) == 0) {
		for (i = 0; i < set->n; i++)
			log_class(host, &set->v[i], r.cgroup_root);
		warn_not_v2(set, host, r.cgroup_root);
		return 0;
	}
	wclass_set_free(set);
	return -1;
}

void wclass_set_free(struct wclass_set *set)
{
	uint32_t i;

	for (i = 0; set->v && i < set->n; i++)
		cgroup_ids_free(&set->v[i].cgroups);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static int wclass_matches(const struct wclass *c, const struct scxd_task *task)
{
	switch (c->match) {
	case WCLASS_UID:
		return task->uid == c->uid;
	case WCLASS_COMM:
		return strncmp(task->comm, c->comm, c->comm_len) == 0;
	default:
		return cgroup_ids_contains(&c->cgroups, task->cgroup_id);
	}
}

int wclass_set_match(const struct wclass_set *set, const struct scxd_task *task)
{
	uint32_t i;

	for (i = 0; i < set->n; i++)
		if (wclass_matches(&set->v[i], task))
			return (int)i;
	return -1;
}
