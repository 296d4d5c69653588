#!/bin/sh
# Issue 2: scxd with the FIFO policy schedules real tasks on a real sched_ext kernel.
# Everything is judged by what the kernel reports (/sys/kernel/sched_ext, dmesg); the
# daemon's summary line is only used for its user-dispatch counter.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

seq_before=$(enable_seq)
assert_eq "$(sched_ext_state)" disabled "state before start"

scxd run --policy fifo >/tmp/fifo.out 2>/tmp/fifo.err &
daemon=$!
wait_for_state enabled 20
ops=$(ops_name)
case "$ops" in scxd*) ;; *) fail "root/ops is '$ops', expected a name starting with scxd" ;; esac
[ "$(enable_seq)" -gt "$seq_before" ] || fail "enable_seq did not grow"
info "attached: ops=$ops enable_seq=$(enable_seq)"

# A real workload, to completion, while we are attached: hackbench plus three CPU hogs.
hogs=""
for _ in 1 2 3; do
    (i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done) &
    hogs="$hogs $!"
done
timeout "$(scaled 120)" hackbench -g 4 -l 200 >/tmp/hackbench.out 2>&1 ||
    fail "hackbench did not complete: $(cat /tmp/hackbench.out)"
info "hackbench: $(grep Time /tmp/hackbench.out)"
for h in $hogs; do wait "$h" || fail "CPU hog $h failed"; done
assert_eq "$(sched_ext_state)" enabled "state after the workload"
kill -0 "$daemon" 2>/dev/null || fail "daemon died: $(tail -5 /tmp/fifo.err)"

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
cat /tmp/fifo.out
[ "$rc" = 0 ] || fail "daemon exited $rc after SIGTERM: $(tail -5 /tmp/fifo.err)"
wait_for_state disabled 10
assert_eq "$(ops_name)" "" "root/ops after stop"

summary=$(grep '^scxd: policy=fifo ' /tmp/fifo.out) || fail "no summary line from the daemon"
udisp=$(echo "$summary" | sed -n 's/.* user_dispatches=\([0-9]*\).*/\1/p')
[ -n "$udisp" ] && [ "$udisp" -gt 0 ] || fail "user_dispatches did not move: $summary"
echo "$summary" | grep -q 'reason="unregistered from user space"' ||
    fail "unexpected exit reason: $summary"
dmesg | grep -q 'sched_ext: BPF scheduler "scxd.*" enabled' || fail "dmesg: no enable message"
dmesg | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled' || fail "dmesg: no disable message"
info "user_dispatches=$udisp; state disabled after SIGTERM, daemon exit 0"
