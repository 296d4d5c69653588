#!/bin/sh
# The benchmark, inside one boot of the sched_ext kernel (bench/vm/run.sh prepends the
# settings below). Every repetition runs every workload under every scheduler in turn (EEVDF,
# then scxd with each policy in each mode: A B C ... A B C ...). BENCH_ORDER=workload (the
# default) runs one workload under all schedulers before the next, attaching scxd for each;
# BENCH_ORDER=session runs all workloads in one attach per scheduler. It only
# measures: raw numbers go to the console as
#   BENCH rep=R sched=S mode=M wl=W key=K val=V
# and bench/vm/analyze.py on the host turns them into medians and ratios.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

: "${BENCH_REPS:=2}" "${BENCH_SECS:=3}" "${BENCH_HACKBENCH_LOOPS:=100}" "${BENCH_PIPE_LOOPS:=10000}"
: "${BENCH_HACKBENCH_RUNS:=3}" "${BENCH_PIPE_RUNS:=3}" "${BENCH_CYCLIC_RUNS:=3}"
: "${BENCH_POLICIES:=fifo vruntime weighted}" "${BENCH_MODES:=builtin-idle full-user}"
# Variants: one policy with other settings, in the same boot, each "LABEL:POLICY[:RUN_ARGS[:PARAMS]]"
# (RUN_ARGS: scxd run flags, comma separated; PARAMS: key=value for [policy.POLICY], comma
# separated). E.g. "wp0:vruntime:--wakeup-preempt-us=0 max40:vruntime::max_slice_us=40000".
: "${BENCH_VARIANTS:=}"
: "${BENCH_WORKLOADS:=hackbench pipe cyclic_idle cyclic_loaded hogs3 nice}"
# Why per workload: under TCG the host's load comes and goes in bursts of a minute or so, which
# slow every workload of whatever runs then. One attach per scheduler and repetition put its
# six workloads about two minutes from EEVDF's (the ratio's pair); per workload, seconds apart.
# A quick run of 5 repetitions, session order: EEVDF's hackbench 2.06 - 4.07 s, pipe 85 - 124
# us/op, each bad pair of numbers in the same session, and so were scxd's.
: "${BENCH_ORDER:=workload}"
NCPU=$(nproc)
rm -f /tmp/bench.missing

cat >/tmp/weighted.toml <<'TOML'
[policy]
name = "weighted"

[[policy.weighted.class]]
name = "gold"
uid = 1000
weight = 3

[[policy.weighted.class]]
name = "bronze"
uid = 2000
weight = 1
TOML

# A workload that gives no number is reported and skipped, not fatal: one flaky run must not
# cost a long benchmark. The script fails at the end if anything was missing.
emit() { # WORKLOAD KEY VALUE
    if [ -z "$3" ]; then
        echo "BENCH-MISSING rep=$REP sched=$SCHED mode=$MODE wl=$1 key=$2"
        echo "$1" >>/tmp/bench.missing
        return 0
    fi
    echo "BENCH rep=$REP sched=$SCHED mode=$MODE wl=$1 key=$2 val=$3"
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# calc EXPR DECIMALS: floating point with awk (busybox sh has integers only).
calc() { awk "BEGIN { printf \"%.$2f\", $1 }"; }

# measure WORKLOAD FUNCTION: run it, then emit its wall time and the daemon's CPU time in it.
measure() {
    _t0=$(daemon_ticks) _w0=$(uptime_s)
    if ! "$2"; then
        echo "BENCH-MISSING rep=$REP sched=$SCHED mode=$MODE wl=$1 (failed)"
        echo "$1" >>/tmp/bench.missing
    fi
    _t1=$(daemon_ticks) _w1=$(uptime_s)
    emit "$1" wall_s "$(awk -v a="$_w0" -v b="$_w1" 'BEGIN { printf "%.2f", b - a }')"
    [ "$SCHED" = eevdf ] ||
        emit "$1" daemon_cpu_s "$(calc "($_t1 - $_t0) / 100" 2)"
}

# median FILE: the median of the numbers in FILE, one per line (nothing for an empty file).
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Each number is the median of a few back-to-back runs: one run moves by up to 1.5x with the
# host's load under TCG (quick runs: hackbench 0.53x - 1.58x EEVDF within one boot), and a
# burst of it that hits one run of three no longer moves the number.
wl_hackbench() {
    : >/tmp/hb.times
    for _ in $(seq "$BENCH_HACKBENCH_RUNS"); do
        hackbench -g 4 -l "$BENCH_HACKBENCH_LOOPS" >/tmp/hb.out 2>&1 || return 1
        sed -n 's/^Time: *//p' /tmp/hb.out >>/tmp/hb.times
    done
    emit hackbench time_s "$(median /tmp/hb.times)"
}

wl_pipe() {
    : >/tmp/pipe.vals
    for _ in $(seq "$BENCH_PIPE_RUNS"); do
        perf bench sched pipe -l "$BENCH_PIPE_LOOPS" >/tmp/pipe.out 2>&1 ||
            { cat /tmp/pipe.out; return 1; }
        awk '/usecs\/op/ { print $1 }' /tmp/pipe.out >>/tmp/pipe.vals
    done
    emit pipe usecs_per_op "$(median /tmp/pipe.vals)"
}

# cyclictest, SCHED_OTHER (-p 0), one thread per CPU, BENCH_CYCLIC_RUNS runs that share
# about BENCH_SECS: the median of the runs' means of the threads' averages (us) into /tmp/cyc.val
# (empty when a run gave none; then its output goes to the console).
CYCLIC_SECS=$(((BENCH_SECS + BENCH_CYCLIC_RUNS - 1) / BENCH_CYCLIC_RUNS))
[ "$CYCLIC_SECS" -ge 1 ] || CYCLIC_SECS=1
cyclic_once() {
    cyclictest -p 0 --policy=other -t "$NCPU" -d 0 -i 1000 -q -D "$CYCLIC_SECS" >/tmp/cyc.out 2>&1
    _rc=$?
    # "Avg:11670": from five digits on the number is glued to its label.
    awk '/^T:/ && match($0, /Avg: *[0-9]+/) { v = substr($0, RSTART + 4, RLENGTH - 4); s += v; n++ }
         END { if (n) printf "%.1f\n", s / n }' /tmp/cyc.out >/tmp/cyc.one
    if [ ! -s /tmp/cyc.one ]; then
        echo "cyclictest exited $_rc with $(wc -c </tmp/cyc.out) bytes of output:"
        sed 's/^/cyclictest| /' /tmp/cyc.out
        return 1
    fi
    cat /tmp/cyc.one >>/tmp/cyc.runs
}
cyclic() {
    : >/tmp/cyc.runs
    : >/tmp/cyc.val
    for _ in $(seq "$BENCH_CYCLIC_RUNS"); do cyclic_once || return 0; done
    median /tmp/cyc.runs >/tmp/cyc.val
}
wl_cyclic_idle() {
    cyclic
    emit cyclic_idle avg_us "$(cat /tmp/cyc.val)"
}
wl_cyclic_loaded() {
    _hogs=""
    _spin=$((CYCLIC_SECS * BENCH_CYCLIC_RUNS + 2))
    for _ in $(seq "$NCPU"); do spin "$_spin" >/dev/null & _hogs="$_hogs $!"; done
    cyclic
    for _h in $_hogs; do wait "$_h" || return 1; done
    emit cyclic_loaded avg_us "$(cat /tmp/cyc.val)"
}

# spin hogs: "NICE NICE ...", prints their cpu_ns in that order, all counted over the same
# BENCH_SECS (hogs_in_window in lib.sh).
hogs() {
    _specs=""
    for _n in "$@"; do _specs="$_specs nice:$_n"; done
    # shellcheck disable=SC2086 # one word per hog
    hogs_in_window "$BENCH_SECS" $_specs
}
wait_pids() {
    for _p in $(jobs -p); do [ "$_p" = "${SCXD_PID:-}" ] || wait "$_p" || return 1; done
}
wl_hogs3() {
    # shellcheck disable=SC2046 # one word per hog
    set -- $(hogs 0 0 0)
    [ $# -eq 3 ] || return 1
    emit hogs3 total_cpu_s "$(calc "($1 + $2 + $3) / 1e9" 3)"
    emit hogs3 max_min "$(awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {
        mx = a; mn = a
        if (b > mx) mx = b; if (c > mx) mx = c; if (b < mn) mn = b; if (c < mn) mn = c
        printf "%.4f", mx / mn }')"
}
wl_nice() {
    # shellcheck disable=SC2046 # one word per hog
    set -- $(hogs 0 0 5 5)
    [ $# -eq 4 ] || return 1
    emit nice nice0_nice5 "$(calc "($1 + $2) / ($3 + $4)" 4)"
}

# start_variant SPEC MODE: scxd with that variant's policy, flags and parameters; sets SCHED.
start_variant() {
    _label=${1%%:*} _rest=${1#*:}
    _pol=${_rest%%:*} _rest=${_rest#"$_pol"}; _rest=${_rest#:}
    _args=${_rest%%:*} _rest=${_rest#"$_args"}; _params=${_rest#:}
    SCHED=$_label
    { printf '[policy]\nname = "%s"\n[policy.%s]\n' "$_pol" "$_pol"
      [ -z "$_params" ] || echo "$_params" | tr ',' '\n'; } >"/tmp/variant-$_label.toml"
    # shellcheck disable=SC2046  # the flags are meant to split
    start_scxd --config "/tmp/variant-$_label.toml" --mode "$2" $(echo "$_args" | tr ',' ' ')
}

command -v perf >/dev/null || fail "perf is not in the guest (SCXD_VM_EXTRA_BINS)"
command -v cyclictest >/dev/null || fail "cyclictest is not in the guest (SCXD_VM_EXTRA_BINS)"
echo "BENCH-CONFIG reps=$BENCH_REPS order=$BENCH_ORDER secs=$BENCH_SECS hackbench_loops=$BENCH_HACKBENCH_LOOPS hackbench_runs=$BENCH_HACKBENCH_RUNS pipe_runs=$BENCH_PIPE_RUNS cyclic_runs=$BENCH_CYCLIC_RUNS pipe_loops=$BENCH_PIPE_LOOPS cpus=$NCPU kernel=$(uname -r)"

# run_scxd SPEC WORKLOADS: scxd with SPEC in MODE runs the workloads, then stops.
run_scxd() {
    SCHED=$1
    case "$1" in
        *:*) start_variant "$1" "$MODE" ;;
        weighted) start_scxd --config /tmp/weighted.toml --mode "$MODE" ;;
        *) start_scxd --policy "$SCHED" --mode "$MODE" ;;
    esac
    _seq=$(enable_seq)
    for _wl in $2; do measure "$_wl" "wl_$_wl"; done
    _at="rep=$REP sched=$SCHED mode=$MODE"
    [ "$BENCH_ORDER" = session ] || _at="$_at wl=$2"
    if [ "$(sched_ext_state)" = enabled ] && [ "$(enable_seq)" = "$_seq" ]; then
        stop_scxd >/tmp/summary.out
        echo "BENCH-SUMMARY $_at $(tail -1 /tmp/summary.out)"
    else
        # The kernel ejected scxd: part of this run was EEVDF's, so analyze.py drops it
        # (these workloads of this repetition). Report why and go on with the next scheduler.
        why=$(dmesg | grep 'sched_ext: BPF scheduler "scxd' | tail -n 1 | sed 's/.*disabled //')
        echo "BENCH-EJECTED $_at why=$why"
        dmesg | grep -A2 'sched_ext: BPF scheduler "scxd.*disabled' | tail -n 3
        kill -TERM "$SCXD_PID" 2>/dev/null
        wait "$SCXD_PID" 2>/dev/null
        echo "ejected:$SCHED/$MODE" >>/tmp/bench.missing
        wait_for_state disabled 10
    fi
    SCXD_PID=""
}

# run_all WORKLOADS: EEVDF, then every scxd configuration, each running the workloads.
run_all() {
    SCHED=eevdf MODE=kernel SCXD_PID=""
    assert_eq "$(sched_ext_state)" disabled "state before the EEVDF runs"
    for _wl in $1; do measure "$_wl" "wl_$_wl"; done
    for SPEC in $BENCH_POLICIES $BENCH_VARIANTS; do
        for MODE in $BENCH_MODES; do run_scxd "$SPEC" "$1"; done
    done
}

case "$BENCH_ORDER" in
    workload | session) ;;
    *) fail "BENCH_ORDER must be workload or session, not '$BENCH_ORDER'" ;;
esac
REP=1
while [ "$REP" -le "$BENCH_REPS" ]; do
    if [ "$BENCH_ORDER" = session ]; then
        run_all "$BENCH_WORKLOADS"
    else
        for WL in $BENCH_WORKLOADS; do run_all "$WL"; done
    fi
    REP=$((REP + 1))
done
echo "BENCH-END"
[ ! -s /tmp/bench.missing ] || fail "no number from: $(sort /tmp/bench.missing | uniq -c | tr '\n' ' ')"
