#!/bin/sh
# builtin-idle's promise: a wakeup that finds an idle CPU runs there without the policy. For
# a sync wakeup the kernel's pick (scx_bpf_select_cpu_dfl) returns the waker's CPU, busy, as
# if it were idle; BPF then claims an idle CPU itself (claim_any_idle()). Without that, a
# pipe's two tasks ended up taking turns on one CPU. `pingpong` (N round trips) under vruntime
# in builtin-idle mode, after the same under EEVDF. Checks: BPF took an idle CPU over the
# kernel's pick (`idle_claims` > 0; 7 - 9 per 4,000 round trips in seven runs) and the two
# tasks kept their own CPUs: at least 0.9x EEVDF's context switches (/proc/stat; 1.01x -
# 1.05x, and 0.58x - 0.97x without the claim); scxd stayed attached. Time per round trip and
# the wakeups BPF placed (`kernel_dispatches`, `kernel_wakeups`) are reported.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

N=${SCXD_PINGPONG_TRIPS:-8000}
ctxt() { awk '/^ctxt/ { print $2 }' /proc/stat; }

c=$(ctxt)
pingpong "$N" >/tmp/pp.out || fail "pingpong $N under EEVDF: $(cat /tmp/pp.out)"
eevdf_cs=$(($(ctxt) - c))
info "EEVDF: $(cat /tmp/pp.out), $eevdf_cs context switches"

start_scxd --policy vruntime
seq=$(enable_seq)
settle_stats
d=$(stat_value kernel_dispatches) w=$(stat_value kernel_wakeups) q=$(stat_value queued)
i=$(stat_value idle_claims) c=$(ctxt)
pingpong "$N" >/tmp/pp.out || fail "pingpong $N under scxd: $(cat /tmp/pp.out)"
cs=$(($(ctxt) - c))
settle_stats
d=$(($(stat_value kernel_dispatches) - d)) w=$(($(stat_value kernel_wakeups) - w))
q=$(($(stat_value queued) - q)) i=$(($(stat_value idle_claims) - i))
assert_attached_since "$seq"
stop_scxd >/dev/null
info "vruntime builtin-idle: $(cat /tmp/pp.out), $cs context switches; $d of $((2 * N)) wakeups on an idle CPU by BPF, $w placed in line by BPF, $q records to the daemon; $i idle CPUs claimed over the kernel's busy pick; $(calc "$cs / $eevdf_cs") x EEVDF's context switches"

check "$i > 0" "BPF never took an idle CPU over the kernel's busy pick (idle_claims $i)"
check "$cs * 10 >= $eevdf_cs * 9" "$cs context switches against EEVDF's $eevdf_cs: the two tasks shared a CPU"
