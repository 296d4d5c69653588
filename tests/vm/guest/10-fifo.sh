#!/bin/sh
# Issue 2: scxd with the FIFO policy schedules real tasks on a real sched_ext kernel.
# Everything is judged by what the kernel reports (/sys/kernel/sched_ext, dmesg); the
# daemon's summary line is only used for its user-dispatch counter.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

seq_before=$(enable_seq)
mark=$(dmesg_mark)
assert_eq "$(sched_ext_state)" disabled "state before start"
start_scxd --policy fifo # waits for enabled and an ops name starting with scxd
[ "$(enable_seq)" -gt "$seq_before" ] || fail "enable_seq did not grow"

# A real workload, to completion, while we are attached: hackbench plus three CPU hogs.
hogs=""
for _ in 1 2 3; do
    (spin 8 >/dev/null) &
    hogs="$hogs $!"
done
timeout "$(scaled 120)" hackbench -g 4 -l 200 >/tmp/hackbench.out 2>&1 ||
    fail "hackbench did not complete: $(cat /tmp/hackbench.out)"
info "hackbench: $(grep Time /tmp/hackbench.out)"
for h in $hogs; do wait "$h" || fail "CPU hog $h failed"; done
assert_eq "$(sched_ext_state)" enabled "state after the workload"
kill -0 "$SCXD_PID" 2>/dev/null || fail "daemon died: $(tail -5 /tmp/scxd.err)"

stop_scxd # SIGTERM: exit 0, state disabled
assert_eq "$(ops_name)" "" "root/ops after stop"
udisp=$(summary_value user_dispatches)
[ -n "$udisp" ] && [ "$udisp" -gt 0 ] || fail "user_dispatches did not move: $(cat /tmp/scxd.out)"
grep -q 'reason="unregistered from user space"' /tmp/scxd.out ||
    fail "unexpected exit reason: $(cat /tmp/scxd.out)"
dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" enabled' || fail "dmesg: no enable message"
dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled' || fail "dmesg: no disable message"
info "user_dispatches=$udisp; state disabled after SIGTERM, daemon exit 0"
