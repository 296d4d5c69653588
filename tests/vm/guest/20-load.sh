#!/bin/sh
# Issue 3: mixed load under the FIFO policy in both modes. The scheduler must stay attached
# (no watchdog or other exit), every workload must finish, user space must have dispatched,
# and the hot thread must not have taken a page fault after start.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

LOAD_S=${SCXD_LOAD_SECONDS:-60}
# Locked pages may still be migrated by compaction (stress-ng --vm triggers it), which costs
# the next access a fault; forbid that, as docs/service.md recommends for production.
echo 0 >/proc/sys/vm/compact_unevictable_allowed

mixed_load() {
    pids=""
    stress-ng --cpu 1 --pipe 1 --switch 1 --vm 1 --vm-bytes 32M --timeout "${LOAD_S}s" \
        --quiet >/tmp/stress.out 2>&1 &
    pids="$pids $!"
    (cpu_hog "$LOAD_S") & pids="$pids $!"
    (cpu_hog "$LOAD_S") & pids="$pids $!"
    taskset -c 1 sh -c ". /tests/guest/lib.sh; cpu_hog $LOAD_S" & pids="$pids $!"
    (fork_storm "$LOAD_S") & pids="$pids $!"
    (end=$(( $(date +%s) + LOAD_S )); while [ "$(date +%s)" -lt "$end" ]; do
        hackbench -g 2 -l 50 >/dev/null || exit 1; done) & pids="$pids $!"
    for p in $pids; do
        wait "$p" || fail "workload $p failed (stress-ng: $(tail -3 /tmp/stress.out))"
    done
}

for mode in builtin-idle full-user; do
    mark=$(dmesg_mark)
    start_scxd --mode "$mode"
    seq=$(enable_seq)
    mixed_load
    assert_attached_since "$seq"
    if scxd stats --json >/tmp/stats.json 2>/dev/null; then
        info "stats: $(cat /tmp/stats.json)"
        ud=$(stat_value user_dispatches)
        pf=$(stat_value page_faults)
    else
        fail "scxd stats --json failed"
    fi
    stop_scxd
    [ "${ud:-0}" -gt 0 ] || fail "$mode: user_dispatches is '${ud}'"
    assert_eq "$pf" 0 "$mode: page faults of the hot thread after start"
    if dmesg_since "$mark" | grep -E 'sched_ext: BPF scheduler "scxd.*" disabled' |
        grep -qv 'unregistered from user space'; then
        fail "$mode: the kernel ejected scxd: $(dmesg_since "$mark" | grep 'sched_ext' | tail -3)"
    fi
    info "$mode: attached throughout, user_dispatches=$ud page_faults=$pf"
done
