#!/bin/sh
# The demo behind `scripts/demo.sh`: the kernel's view before, during and after scxd runs the
# FIFO policy under a short workload. POSIX sh: runs on a sched_ext host and in the VM.
#   SCXD      the scxd command (default: scxd)         SCXD_POLICY  policy (default: fifo)
set -u
SCXD=${SCXD:-scxd}
sysfs=/sys/kernel/sched_ext

kernel_view() {
    printf '  kernel says: state=%s ops=%s enable_seq=%s\n' "$(cat $sysfs/state)" \
        "$(cat $sysfs/root/ops 2>/dev/null || echo '-')" "$(cat $sysfs/enable_seq)"
}

echo "== before scxd"
kernel_view
# shellcheck disable=SC2086  # SCXD may carry options
$SCXD run --policy "${SCXD_POLICY:-fifo}" &
daemon=$!
n=0
while [ "$(cat $sysfs/state)" != enabled ] && [ $n -lt 400 ]; do sleep 0.1; n=$((n + 1)); done
echo "== scxd running; workload: hackbench -g 2 -l 100 and two CPU hogs"
kernel_view
for _ in 1 2; do (i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done) & done
hackbench -g 2 -l 100 | grep Time
wait_hogs() { for j in $(jobs -p); do [ "$j" = "$daemon" ] || wait "$j"; done; }
wait_hogs
kernel_view
echo "== stopping scxd (SIGTERM)"
kill -TERM "$daemon"
wait "$daemon"
rc=$?
n=0
while [ "$(cat $sysfs/state)" != disabled ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
echo "== after scxd (exit status $rc)"
kernel_view
exit $rc
