#!/bin/sh
# The wake window (ABI 1.3, scxd_decision.wake_window_ns; the fair policies' wake_window_us,
# default 20 ms): wakeups in that long after the policy's decision use none of requeue_max's
# turns. A pipe's ping-pong (`pingpong`, two processes, N round trips) in full-user mode finds
# an idle CPU at every wakeup, which BPF claims from the standing decision; without the window
# every sixteenth wakeup waits for a daemon run. One boot, vruntime with wake_window_us = 0
# and with the default. Checks, from the daemon's counters over each run: with the window
# under a quarter as many tasks reached the daemon (`queued`) and BPF placed more wakeups
# (`kernel_wakeups`); scxd stayed attached. Time per round trip is reported, not enforced.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

N=${SCXD_PINGPONG_TRIPS:-4000}

# trips CONFIG: N round trips under scxd --mode full-user --config CONFIG; writes ns per
# round trip, records to the daemon and BPF's wakeups to /tmp/pp.ns, /tmp/pp.queued, /tmp/pp.placed.
trips() {
    start_scxd --config "$1" --mode full-user
    _seq=$(enable_seq)
    settle_stats
    _q=$(stat_value queued) _k=$(stat_value kernel_wakeups)
    pingpong "$N" >/tmp/pp.out || fail "pingpong $N under $1: $(cat /tmp/pp.out)"
    settle_stats
    echo $(($(stat_value queued) - _q)) >/tmp/pp.queued
    echo $(($(stat_value kernel_wakeups) - _k)) >/tmp/pp.placed
    sed -n 's/^round_trips=[0-9]* ns_per_trip=\([0-9]*\)$/\1/p' /tmp/pp.out >/tmp/pp.ns
    [ -s /tmp/pp.ns ] || fail "pingpong printed '$(cat /tmp/pp.out)'"
    assert_attached_since "$_seq"
    stop_scxd >/dev/null
}

printf '[policy]\nname = "vruntime"\n\n[policy.vruntime]\nwake_window_us = 0\n' >/tmp/ww0.toml
trips /tmp/ww0.toml
q0=$(cat /tmp/pp.queued) k0=$(cat /tmp/pp.placed) t0=$(cat /tmp/pp.ns)
info "wake_window_us = 0: $t0 ns per round trip, $q0 records to the daemon, $k0 wakeups placed by BPF"

printf '[policy]\nname = "vruntime"\n' >/tmp/ww.toml
trips /tmp/ww.toml
q1=$(cat /tmp/pp.queued) k1=$(cat /tmp/pp.placed) t1=$(cat /tmp/pp.ns)
info "default window: $t1 ns per round trip ($(calc "$t1 / $t0") x), $q1 records to the daemon, $k1 wakeups placed by BPF"

# 2 N wakeups: about 2 N / 16 records without the window, a few per 20 ms with it.
check "$q0 * 16 > $N" "wake_window_us = 0: only $q0 records for $N round trips (every sixteenth wakeup should reach the daemon)"
check "$q1 * 4 < $q0" "the window sent $q1 records to the daemon, not under a quarter of $q0 without it"
check "$k1 > $k0" "the window let BPF place $k1 wakeups, not more than $k0 without it"
