#!/bin/sh
# Issue 8, continued: a policy that crashes (SIGSEGV) in on_enqueue; the daemon under a memory
# cgroup limit, a fitting one under memory pressure and one too small to run in; 1,000
# short-lived processes a second for 30 s. Nothing is lost: the kernel ends up where it
# should, and every workload process exits normally.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

# Locked pages may be migrated by compaction (as in 20-load), which costs the next access a
# fault; the memory pressure below would otherwise make the page_faults check flaky.
echo 0 >/proc/sys/vm/compact_unevictable_allowed

# 1. SIGSEGV in the policy: one line naming it, the signal as exit status (systemd restarts
# the service), and the kernel takes every task back.
fatal_fixture crash crash_enqueue 139 'SIGSEGV.*policy crash-enqueue' # 128 + SIGSEGV
info "crashing policy: $(grep -m1 -o 'SIGSEGV.*crash-enqueue' /tmp/scxd.err), exit 139, workloads finished"

# 2. A memory cgroup limit on the daemon.
cg=/sys/fs/cgroup/scxd-mem
echo +memory >/sys/fs/cgroup/cgroup.subtree_control || fail "no memory controller"
mkdir -p "$cg"
# in_cgroup CMD ARGS...: run CMD (a shell function here) with this shell in $cg, so that only
# the processes it starts (the daemon) stay there.
in_cgroup() {
    echo $$ >"$cg/cgroup.procs"
    "$@"
    _rc=$?
    echo $$ >/sys/fs/cgroup/cgroup.procs
    return $_rc
}

# 2a. A limit it fits in, while another process presses on memory: still attached, no page
# fault on the scheduling thread, no OOM kill.
echo "${SCXD_MEMCG_LIMIT:-64M}" >"$cg/memory.max"
in_cgroup start_scxd --policy vruntime
seq=$(enable_seq)
grep -qx "$SCXD_PID" "$cg/cgroup.procs" || fail "memcg: scxd ($SCXD_PID) is not in $cg"
stress-ng --vm 1 --vm-bytes 50% --timeout 10s --quiet >/tmp/stress.out 2>&1 &
vm=$!
start_load
finish_load "memcg"
wait "$vm" || fail "memcg: stress-ng --vm failed: $(tail -3 /tmp/stress.out)"
assert_attached_since "$seq"
assert_eq "$(stat_value page_faults)" 0 "memcg: page faults of the scheduling thread"
assert_eq "$(sed -n 's/^oom_kill //p' "$cg/memory.events")" 0 "memcg: OOM kills in $cg"
info "memcg $(cat "$cg/memory.max"): attached throughout, memory.current=$(cat "$cg/memory.current") memory.peak=$(cat "$cg/memory.peak" 2>/dev/null)"
stop_scxd

# 2b. A limit too small to lock its memory in: scxd fails (an error, or the cgroup's OOM
# killer), the kernel ends up disabled and the workloads finish.
echo "${SCXD_MEMCG_TINY:-4M}" >"$cg/memory.max"
start_load
in_cgroup spawn_scxd --policy vruntime
wait_exit "$SCXD_PID" 30
[ "$WAIT_RC" != 0 ] || fail "tiny memcg: scxd exited 0"
wait_for_state disabled 10
finish_load "tiny memcg"
info "memcg $(cat "$cg/memory.max"): scxd exited $WAIT_RC ($(tail -1 /tmp/scxd.err)), oom_kill=$(sed -n 's/^oom_kill //p' "$cg/memory.events"), disabled, workloads finished"
rmdir "$cg" 2>/dev/null

# 3. Short-lived processes: 1,000 a second for 30 s under scxd, every one exits normally and
# the scheduler stays attached; the rate EEVDF reaches in the same boot is the reference.
eevdf=$(forkrate 1000 5) || fail "forkrate under EEVDF: $eevdf"
start_scxd --policy vruntime
seq=$(enable_seq)
out=$(forkrate 1000 30) || fail "forkrate under scxd: $out"
assert_attached_since "$seq"
exits=$(stat_value exits)
stop_scxd
info "EEVDF: $eevdf"
info "scxd: $out; exit notices $exits"
