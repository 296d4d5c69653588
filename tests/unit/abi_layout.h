/* SPDX-License-Identifier: MIT */
/*
 * The ABI v1 layout, pinned. A plugin compiled today hard-codes these offsets, so any change
 * here is an ABI break (policy.h is append-only). Included from C11 and from C++20.
 */
#ifndef SCXD_TEST_ABI_LAYOUT_H
#define SCXD_TEST_ABI_LAYOUT_H

#include <assert.h>
#include <stddef.h>

#include <scxd/policy.h>

#define SCXD_P sizeof(void *)

static_assert(SCXD_POLICY_ABI_MAJOR == 1, "this file pins ABI v1");

static_assert(offsetof(struct scxd_task, pid) == 0, "scxd_task.pid");
static_assert(offsetof(struct scxd_task, prev_cpu) == 4, "scxd_task.prev_cpu");
static_assert(offsetof(struct scxd_task, nr_cpus_allowed) == 8, "scxd_task.nr_cpus_allowed");
static_assert(offsetof(struct scxd_task, flags) == 12, "scxd_task.flags");
static_assert(offsetof(struct scxd_task, weight) == 16, "scxd_task.weight");
static_assert(offsetof(struct scxd_task, sum_exec_runtime) == 24, "scxd_task.sum_exec_runtime");
static_assert(offsetof(struct scxd_task, enqueue_ns) == 32, "scxd_task.enqueue_ns");
static_assert(offsetof(struct scxd_task, cookie) == 40, "scxd_task.cookie");
static_assert(offsetof(struct scxd_task, comm) == 48, "scxd_task.comm");
static_assert(offsetof(struct scxd_task, tgid) == 64, "scxd_task.tgid");
static_assert(offsetof(struct scxd_task, uid) == 68, "scxd_task.uid");
static_assert(offsetof(struct scxd_task, cgroup_id) == 72, "scxd_task.cgroup_id");
static_assert(offsetof(struct scxd_task, ran_since_placed_ns) == 80,
	      "scxd_task.ran_since_placed_ns");
static_assert(sizeof(struct scxd_task) == 88, "sizeof(scxd_task)");

static_assert(offsetof(struct scxd_decision, pid) == 0, "scxd_decision.pid");
static_assert(offsetof(struct scxd_decision, cpu) == 4, "scxd_decision.cpu");
static_assert(offsetof(struct scxd_decision, slice_ns) == 8, "scxd_decision.slice_ns");
static_assert(offsetof(struct scxd_decision, vtime) == 16, "scxd_decision.vtime");
static_assert(offsetof(struct scxd_decision, cookie) == 24, "scxd_decision.cookie");
/* ABI 1.1 appended the requeue members; `pick` may write up to SCXD_DECISION_ROOM bytes. */
static_assert(offsetof(struct scxd_decision, requeue_scale) == 32, "scxd_decision.requeue_scale");
static_assert(offsetof(struct scxd_decision, requeue_max) == 36, "scxd_decision.requeue_max");
/* ABI 1.2 appended the wakeup members. */
static_assert(offsetof(struct scxd_decision, requeue_flags) == 40, "scxd_decision.requeue_flags");
static_assert(offsetof(struct scxd_decision, reserved0) == 44, "scxd_decision.reserved0");
static_assert(offsetof(struct scxd_decision, wake_lag) == 48, "scxd_decision.wake_lag");
/* ABI 1.3 appended the wake window. */
static_assert(offsetof(struct scxd_decision, wake_window_ns) == 56, "scxd_decision.wake_window_ns");
/* ABI 1.4 appended the wakeup preemption granularity. */
static_assert(offsetof(struct scxd_decision, wake_preempt_gran) == 64,
	      "scxd_decision.wake_preempt_gran");
static_assert(sizeof(struct scxd_decision) == 72, "sizeof(scxd_decision)");
static_assert(SCXD_DECISION_ROOM == 256, "SCXD_DECISION_ROOM");

static_assert(offsetof(struct scxd_host, struct_size) == 0, "scxd_host.struct_size");
static_assert(offsetof(struct scxd_host, abi_minor) == 4, "scxd_host.abi_minor");
static_assert(offsetof(struct scxd_host, nr_cpus) == 8, "scxd_host.nr_cpus");
static_assert(offsetof(struct scxd_host, max_tasks) == 12, "scxd_host.max_tasks");
static_assert(offsetof(struct scxd_host, default_slice_ns) == 16, "scxd_host.default_slice_ns");
static_assert(offsetof(struct scxd_host, now_ns) == 24, "scxd_host.now_ns");
static_assert(offsetof(struct scxd_host, log) == 24 + SCXD_P, "scxd_host.log");
static_assert(offsetof(struct scxd_host, param_i64) == 24 + 2 * SCXD_P, "scxd_host.param_i64");
static_assert(offsetof(struct scxd_host, param_f64) == 24 + 3 * SCXD_P, "scxd_host.param_f64");
static_assert(offsetof(struct scxd_host, param_str) == 24 + 4 * SCXD_P, "scxd_host.param_str");
static_assert(offsetof(struct scxd_host, host_data) == 24 + 5 * SCXD_P, "scxd_host.host_data");

static_assert(offsetof(struct scxd_policy_ops, struct_size) == 0, "ops.struct_size");
static_assert(offsetof(struct scxd_policy_ops, on_enqueue) == 8, "ops.on_enqueue");
static_assert(offsetof(struct scxd_policy_ops, pick) == 8 + SCXD_P, "ops.pick");
static_assert(offsetof(struct scxd_policy_ops, on_exit) == 8 + 2 * SCXD_P, "ops.on_exit");
static_assert(offsetof(struct scxd_policy_ops, nr_pending) == 8 + 3 * SCXD_P, "ops.nr_pending");
static_assert(offsetof(struct scxd_policy_ops, destroy) == 8 + 4 * SCXD_P, "ops.destroy");

static_assert(offsetof(struct scxd_policy_entry, abi_major) == 0, "entry.abi_major");
static_assert(offsetof(struct scxd_policy_entry, abi_minor) == 4, "entry.abi_minor");
static_assert(offsetof(struct scxd_policy_entry, struct_size) == 8, "entry.struct_size");
static_assert(offsetof(struct scxd_policy_entry, name) == 16, "entry.name");
static_assert(offsetof(struct scxd_policy_entry, description) == 16 + SCXD_P, "entry.description");
static_assert(offsetof(struct scxd_policy_entry, version) == 16 + 2 * SCXD_P, "entry.version");
static_assert(offsetof(struct scxd_policy_entry, ops) == 16 + 3 * SCXD_P, "entry.ops");
static_assert(offsetof(struct scxd_policy_entry, create) == 16 + 4 * SCXD_P, "entry.create");

#undef SCXD_P

#endif
