#!/bin/sh
# Issue 2/3: when the kernel ejects the scheduler (here: SysRq-S, which switches every task
# back to the fair class), scxd prints the kernel's reason and exits non-zero, and nothing is
# lost: a workload running across the ejection finishes.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

mark=$(dmesg_mark)
start_scxd --policy fifo
(cpu_hog 8) & hog=$!
sleep 1
echo S >/proc/sysrq-trigger
wait_for_state disabled 10
rc=0
n=0
while kill -0 "$SCXD_PID" 2>/dev/null && [ $n -lt "$(( $(scaled 10) * 10 ))" ]; do
    sleep 0.1; n=$((n + 1))
done
wait "$SCXD_PID" || rc=$?
cat /tmp/scxd.out
[ "$rc" != 0 ] || fail "scxd exited 0 after the kernel ejected it"
grep -q 'kind=sysrq' /tmp/scxd.out || fail "summary does not name the kernel's exit kind: $(cat /tmp/scxd.out)"
grep -q 'the kernel unloaded the scheduler' /tmp/scxd.err || fail "no error line: $(tail -3 /tmp/scxd.err)"
dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled (disabled by sysrq' ||
    fail "dmesg: no disable-by-sysrq message"
wait "$hog" || fail "workload did not finish across the ejection"
info "ejected by SysRq-S: exit $rc, $(sed -n 's/.*exit: //p' /tmp/scxd.out)"
