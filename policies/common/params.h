/* SPDX-License-Identifier: MIT */
/*
 * Reading a policy's config parameters in create(): a bad value fails create() with one line
 * that names the key, the allowed range and what was given.
 * Shared by the policies in this tree; header-only and not installed.
 */
#ifndef SCXD_COMMON_PARAMS_H
#define SCXD_COMMON_PARAMS_H

#include <inttypes.h>
#include <stdio.h>

#include <scxd/policy.h>

/*
 * An integer in [lo, hi] into *out, left unchanged when the key is absent. 0 on success
 * (absent included), -1 with a message in err. `unit` names the unit in the message ("" for
 * none).
 */
static inline int scxd_param_i64_range(const struct scxd_host *host, const char *key, int64_t lo,
				       int64_t hi, const char *unit, int64_t *out, char *err,
				       size_t errlen)
{
	int64_t v = 0;
	int rc = host->param_i64(host, key, &v);

	if (rc == 1)
		return 0;
	if (rc != 0) {
		/* The daemon already logged the type it found. */
		snprintf(err, errlen, "%s must be an integer%s%s%s", key, *unit ? " (" : "", unit,
			 *unit ? ")" : "");
		return -1;
	}
	if (v < lo || v > hi) {
		snprintf(err, errlen, "%s must be %" PRId64 "..%" PRId64 "%s%s, got %" PRId64, key,
			 lo, hi, *unit ? " " : "", unit, v);
		return -1;
	}
	*out = v;
	return 0;
}

/* A string into *out (unchanged when absent): 0, or -1 with a message when it is not a string. */
static inline int scxd_param_string(const struct scxd_host *host, const char *key, const char **out,
				    char *err, size_t errlen)
{
	int rc = host->param_str(host, key, out);

	if (rc == 1 || rc == 0)
		return 0;
	snprintf(err, errlen, "%s must be a string", key);
	return -1;
}

#endif /* SCXD_COMMON_PARAMS_H */
