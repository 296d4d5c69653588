/* SPDX-License-Identifier: MIT */
/*
 * Switching the calling thread to SCHED_EXT (7), for the VM test tools: glibc in Debian 12
 * has neither the policy nor struct sched_attr, so the syscall is made directly with the
 * attribute's first version (48 bytes).
 */
#ifndef SCXD_VM_TOOLS_SCHED_EXT_H
#define SCXD_VM_TOOLS_SCHED_EXT_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCHED_EXT 7

struct sched_attr_v0 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/* 0 on success; -1 with errno set otherwise. */
static inline int switch_to_sched_ext(void)
{
	struct sched_attr_v0 attr = {.size = sizeof(attr), .sched_policy = SCHED_EXT};

	return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}

#endif /* SCXD_VM_TOOLS_SCHED_EXT_H */
