#!/bin/sh
# The wakeup granularity (ABI 1.4, scxd_decision.wake_preempt_gran; the fair policies'
# wakeup_granularity_us, default 1 ms): a wakeup BPF places preempts a busy CPU only when the
# woken task is due more than that before what runs there. hackbench's 160 tasks wake each
# other all the time on two busy CPUs; without a granularity nearly every such wakeup
# preempted (and each preemption brought more wakeups). One boot, vruntime in builtin-idle mode
# with wakeup_granularity_us = 0 and with the default. Checks, over each run: with the
# granularity under half as many preemptions (the daemon's `wakeup_preempts`) and fewer
# context switches (/proc/stat); scxd stayed attached. hackbench's time is reported, not
# enforced. Wakeups that should still preempt (cyclictest's, a pinned waker's among hogs) are
# 52-wakeups.sh's.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

command -v hackbench >/dev/null || fail "hackbench missing from the initramfs (rt-tests on the host)"
LOOPS=${SCXD_HACKBENCH_LOOPS:-50}

ctxt() { awk '/^ctxt/ { print $2 }' /proc/stat; }

# run CONFIG: hackbench under scxd --config CONFIG; writes its time, the preemptions and the
# context switches to /tmp/hb.time, /tmp/hb.preempts, /tmp/hb.ctxt.
run() {
    start_scxd --config "$1"
    _seq=$(enable_seq)
    settle_stats
    _p=$(stat_value wakeup_preempts) _c=$(ctxt)
    hackbench -g 4 -l "$LOOPS" >/tmp/hb.out 2>&1 || fail "hackbench under $1: $(cat /tmp/hb.out)"
    echo $(($(ctxt) - _c)) >/tmp/hb.ctxt
    settle_stats
    echo $(($(stat_value wakeup_preempts) - _p)) >/tmp/hb.preempts
    sed -n 's/^Time: *//p' /tmp/hb.out >/tmp/hb.time
    [ -s /tmp/hb.time ] || fail "hackbench printed '$(cat /tmp/hb.out)'"
    assert_attached_since "$_seq"
    stop_scxd >/dev/null
}

printf '[policy]\nname = "vruntime"\n\n[policy.vruntime]\nwakeup_granularity_us = 0\n' >/tmp/g0.toml
run /tmp/g0.toml
p0=$(cat /tmp/hb.preempts) c0=$(cat /tmp/hb.ctxt) t0=$(cat /tmp/hb.time)
info "wakeup_granularity_us = 0: hackbench $t0 s, $p0 preemptions, $c0 context switches"

printf '[policy]\nname = "vruntime"\n' >/tmp/g.toml
run /tmp/g.toml
p1=$(cat /tmp/hb.preempts) c1=$(cat /tmp/hb.ctxt) t1=$(cat /tmp/hb.time)
info "default granularity: hackbench $t1 s ($(calc "$t1 / $t0") x), $p1 preemptions, $c1 context switches ($(calc "$c1 / $c0") x)"

check "$p0 > 100" "wakeup_granularity_us = 0: only $p0 preemptions in hackbench (expected its wakeups to preempt)"
check "$p1 * 2 < $p0" "the granularity left $p1 preemptions, not under half of $p0 without it"
check "$c1 < $c0" "the granularity left $c1 context switches, not fewer than $c0 without it"
