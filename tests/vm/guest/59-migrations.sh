#!/bin/sh
# A CPU takes its own task over migrating the shared DSQ's first one when that one last ran
# on another CPU and the own task is due at most its wakeup granularity later (take_near():
# a move between runqueues cost 32 - 71 us under TCG, a local one 4 - 6 us). hackbench (many
# more runnable tasks than CPUs, SCXD_CPU_ANY decisions) under vruntime in both modes.
# Checks: hackbench finishes, BPF took such tasks (`migrations_avoided` > 0; 900 - 1,600 of
# about 4,000 moves in a run), scxd stayed attached. Time against EEVDF's is reported.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

LOOPS=${SCXD_MIGRATION_LOOPS:-50}
hb() { hackbench -g 4 -l "$LOOPS" | sed -n 's/^Time: //p'; }

eevdf=$(hb)
[ -n "$eevdf" ] || fail "hackbench under EEVDF printed no time"
info "EEVDF: hackbench ${eevdf}s"
for mode in builtin-idle full-user; do
    start_scxd --policy vruntime --mode "$mode"
    seq=$(enable_seq)
    settle_stats
    a=$(stat_value migrations_avoided) u=$(stat_value user_dispatches)
    t=$(hb)
    [ -n "$t" ] || fail "hackbench under vruntime $mode printed no time"
    settle_stats
    a=$(($(stat_value migrations_avoided) - a)) u=$(($(stat_value user_dispatches) - u))
    assert_attached_since "$seq"
    stop_scxd >/dev/null
    info "vruntime $mode: hackbench ${t}s ($(calc "$t / $eevdf")x EEVDF), $a migrations avoided, $u decisions from the daemon"
    check "$a > 0" "vruntime $mode: no CPU took its own task over a remote first one (migrations_avoided $a)"
done
