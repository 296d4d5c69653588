#!/bin/sh
# Issue 8: faults of the daemon never lose a task. Under load: kill -9 of scxd, a SIGSTOP long
# enough for the kernel's watchdog (10 s) to eject the scheduler, and a policy that spins in
# pick (the daemon's own watchdog ends it, exit 3). Each time the kernel ends up `disabled` and
# every workload process exits normally. And a policy that never returns a task is replaced by
# the built-in FIFO before the kernel would eject the scheduler.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

# 1. kill -9: the BPF link dies with the process's fd.
start_scxd --policy fifo
start_load
sleep 1
kill -KILL "$SCXD_PID"
wait "$SCXD_PID" 2>/dev/null
wait_for_state disabled 10
finish_load "kill -9"
info "kill -9: disabled, workloads finished"

# 2. SIGSTOP past the kernel's watchdog: the kernel ejects; the daemon reports it once resumed
# (exit 1), and its own watchdog does not mistake the stop for a stuck policy (that would be 3).
mark=$(dmesg_mark)
start_scxd --policy fifo
start_load
sleep 1
kill -STOP "$SCXD_PID"
sleep 12
wait_for_state disabled 10
kill -CONT "$SCXD_PID"
rc=0
wait "$SCXD_PID" || rc=$?
cat /tmp/scxd.out
[ "$rc" = 1 ] || fail "SIGSTOP: scxd exited $rc after the ejection, want 1: $(tail -3 /tmp/scxd.err)"
dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled' ||
    fail "SIGSTOP: dmesg has no disable line"
reason=$(dmesg_since "$mark" | grep -m1 'sched_ext: BPF scheduler "scxd.*" disabled' | sed 's/.*disabled //')
finish_load "SIGSTOP"
info "SIGSTOP 12 s: ejected $reason, scxd exit 1, workloads finished"

# 3. A policy that spins in pick: no pass for policy_deadline_ms, the watchdog ends the daemon.
fatal_fixture spin spin_pick 3 'made no progress.*policy spin-pick'
info "spinning policy: exit 3, $(grep -o 'no progress for [0-9]* ms' /tmp/scxd.err), workloads finished"

# 4. A policy that holds every task: after policy_deadline_ms the built-in FIFO takes over, well
# before the kernel's 10 s watchdog: the scheduler stays attached (enable_seq unchanged).
start_scxd --policy "$SCXD_TEST_DIR/fixtures/hoard.so" --mode full-user
seq=$(enable_seq)
start_load
finish_load "hoard"
assert_eq "$(stat_value policy_fallbacks)" 1 "policy_fallbacks after the hoarding policy"
assert_eq "$(stat_value policy)" builtin-fifo "active policy after the fallback"
assert_eq "$(enable_seq)" "$seq" "enable_seq (no ejection)"
assert_eq "$(sched_ext_state)" enabled "state after the fallback"
grep -q 'policy hoard held a task for' /tmp/scxd.err || fail "hoard: no fallback line: $(tail -3 /tmp/scxd.err)"
stop_scxd
info "hoarding policy: replaced by builtin-fifo, enable_seq $seq unchanged, workloads finished"
