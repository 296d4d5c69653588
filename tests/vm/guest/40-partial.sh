#!/bin/sh
# Issue 3: --partial: only tasks that chose SCHED_EXT (policy 7) are scheduled by scxd; the
# rest stay in the kernel's fair class.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

start_scxd --policy fifo --partial
assert_eq "$(cat /sys/kernel/sched_ext/switch_all)" 0 "switch_all in partial mode"

# Ordinary tasks: hackbench stays in the fair class, so user space sees (almost) nothing.
q0=$(stat_value queued)
hackbench -g 2 -l 100 >/dev/null || fail "hackbench failed"
q1=$(stat_value queued)
info "queued during an ordinary hackbench: $((q1 - q0))"

# A SCHED_EXT task: the kernel reports it in the ext class, and user space schedules it.
sched-ext-run sh -c ". /tests/guest/lib.sh; cpu_hog 6" &
ext=$!
sleep 2
# The kernel's own view: policy 7 and ext.enabled 1 for it, 0/0 for an ordinary task.
field() { sed -n "s/^$1 *: *//p" "/proc/$2/sched"; }
assert_eq "$(field policy "$ext")" 7 "policy of the SCHED_EXT task"
assert_eq "$(field ext.enabled "$ext")" 1 "ext.enabled of the SCHED_EXT task"
assert_eq "$(field policy self)" 0 "policy of an ordinary task"
assert_eq "$(field ext.enabled self)" 0 "ext.enabled of an ordinary task (partial mode)"
wait "$ext" || fail "SCHED_EXT task failed"
q2=$(stat_value queued)
ud=$(stat_value user_dispatches)
info "queued while the SCHED_EXT hog ran: $((q2 - q1)); user_dispatches=$ud"
assert_eq "$((q1 - q0))" 0 "tasks queued to user space by an ordinary (fair class) hackbench"
[ $((q2 - q1)) -gt 0 ] || fail "the SCHED_EXT task never reached user space"
stop_scxd
