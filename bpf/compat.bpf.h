/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_ext kfuncs change shape between kernels (names in 6.13, argument structs in 6.19,
 * an enq_flags argument in 7.1). Every kfunc is a weak ksym; these wrappers pick the newest
 * form the running kernel has, at load time (bpf_ksym_exists is resolved by libbpf, so the
 * untaken branch is dead code the verifier removes).
 *
 * libbpf strips the last "___suffix" of an extern before looking it up, so
 * "name___v2___compat" binds to the kernel's own "name___v2".
 */
#ifndef SCXD_COMPAT_BPF_H
#define SCXD_COMPAT_BPF_H

#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#define CLOCK_MONOTONIC 1

extern bool scx_bpf_dsq_move_to_local___v2___compat(u64 dsq_id, u64 enq_flags) __weak __ksym;
extern bool scx_bpf_dsq_insert___v2___compat(struct task_struct *p, u64 dsq_id, u64 slice,
					     u64 enq_flags) __weak __ksym;
/* 6.12 names, gone since 6.13 (not in our 7.x vmlinux.h). */
extern void scx_bpf_dispatch(struct task_struct *p, u64 dsq_id, u64 slice,
			     u64 enq_flags) __weak __ksym;
extern void scx_bpf_dispatch_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				   u64 enq_flags) __weak __ksym;
extern bool scx_bpf_consume(u64 dsq_id) __weak __ksym;

static __always_inline bool scxd_move_to_local(u64 dsq_id)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2___compat))
		return scx_bpf_dsq_move_to_local___v2___compat(dsq_id, 0);
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq_id);
	return scx_bpf_consume(dsq_id);
}

static __always_inline void scxd_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert___v2___compat))
		scx_bpf_dsq_insert___v2___compat(p, dsq_id, slice, enq_flags);
	else if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
	else
		scx_bpf_dispatch(p, dsq_id, slice, enq_flags);
}

static __always_inline void scxd_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice,
					      u64 vtime, u64 enq_flags)
{
	if (bpf_ksym_exists(__scx_bpf_dsq_insert_vtime)) {
		struct scx_bpf_dsq_insert_vtime_args args = {
			.dsq_id = dsq_id,
			.slice = slice,
			.vtime = vtime,
			.enq_flags = enq_flags,
		};
		__scx_bpf_dsq_insert_vtime(p, &args);
	} else if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime)) {
		scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
	} else {
		scx_bpf_dispatch_vtime(p, dsq_id, slice, vtime, enq_flags);
	}
}

#endif /* SCXD_COMPAT_BPF_H */
