#!/bin/sh
# A full ring. scxd --partial --policy fifo --mode full-user --max-tasks 64 (the smallest
# kernel->daemon ring, about 680 records; fifo and full-user: every wakeup is a record), then
# `wakestorm`: 1,000 children of this (non-sched_ext) shell switch to SCHED_EXT and block on a
# pipe, the daemon is stopped, all wake at once, and for 2 s the children that exit are
# counted before the daemon is continued. Those that found the ring full went to BPF's
# fallback DSQ (`congested`) and must run without the daemon. Checks: some children exited
# while the daemon was stopped, as many as `congested` counted at most; every child exited 0;
# scxd stayed attached (a task left in a DSQ no CPU takes from gets scxd ejected by the
# kernel's watchdog).
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

N=1000
start_scxd --partial --policy fifo --mode full-user --max-tasks 64
seq=$(enable_seq)
settle_stats
c0=$(stat_value congested)
wakestorm "$N" "$SCXD_PID" 2 >/tmp/ws.out 2>&1 || fail "wakestorm: $(cat /tmp/ws.out)"
info "$(cat /tmp/ws.out)"
settle_stats
congested=$(($(stat_value congested) - c0))
early=$(sed -n 's/.*exited_while_stopped=\([0-9]*\).*/\1/p' /tmp/ws.out)
info "congested=$congested"
check "$early > 0" "no child ran while the daemon was stopped ($congested went to the fallback DSQ)"
check "$early <= $congested" "$early children exited while the daemon was stopped, more than the $congested the ring had no room for"
assert_attached_since "$seq"
stop_scxd >/dev/null
