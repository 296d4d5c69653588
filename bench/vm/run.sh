#!/usr/bin/env bash
# scxd against the kernel's own scheduler (EEVDF), in one boot of the sched_ext kernel under
# QEMU: every workload under EEVDF and under scxd with each shipped policy in each mode,
# repetitions interleaved. Writes results.md (medians, ratios to EEVDF with min-max),
# results.json and results.svg, and prints results.md.
#
# Usage:  bench/vm/run.sh [--quick] [--reps N] [--build DIR] [--out DIR]
#   --quick     2 repetitions of short runs (about 5 minutes on a quiet host); default: 5 longer
#               ones (about 35 minutes)
#   --reps N    repetitions (overrides the preset)
#   --build DIR build directory (default: build, set up and built if needed)
#   --out DIR   where the console log and results go (default: BUILD/bench-vm/DATE)
# Environment: BENCH_POLICIES, BENCH_VARIANTS (one policy with other flags or parameters:
# "LABEL:POLICY[:RUN_ARGS[:PARAMS]]", see guest/bench.sh), BENCH_MODES, BENCH_WORKLOADS (space separated; workloads:
# hackbench pipe cyclic_idle cyclic_loaded hogs3 nice) and BENCH_SECS override the preset
# (a smoke run: BENCH_POLICIES=fifo BENCH_MODES=builtin-idle BENCH_SECS=1 run.sh --reps 1);
# BENCH_ORDER (workload, the default, or session), BENCH_HACKBENCH_RUNS, BENCH_PIPE_RUNS and
# BENCH_CYCLIC_RUNS (runs per number, their median; default 3) as in guest/bench.sh;
# SCXD_VM_KERNEL and the other settings of tests/vm/run.sh.
# Exit status: 0 done; 1 the guest run failed (what was measured is still analysed); 64 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
die() { echo "bench/vm/run.sh: error: $*" >&2; exit 64; }

quick=0 reps="" build=$top/build out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --reps) [ $# -ge 2 ] || die "--reps needs a number"; reps=$2; shift ;;
        --build) [ $# -ge 2 ] || die "--build needs a directory"; build=$2; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done

case "${reps:-1}" in ''|*[!0-9]*|0) die "--reps must be a positive integer, not '$reps'" ;; esac
if [ "$quick" = 1 ]; then
    settings="BENCH_REPS=${reps:-2} BENCH_SECS=3 BENCH_HACKBENCH_LOOPS=50 BENCH_PIPE_LOOPS=10000"
    # A repetition took 100 - 140 s on a quiet host; 9 repetitions must not hit a fixed limit.
    limit=$(( 300 * ${reps:-2} + 600 ))
    [ "$limit" -ge 1800 ] || limit=1800
else
    settings="BENCH_REPS=${reps:-5} BENCH_SECS=5 BENCH_HACKBENCH_LOOPS=200 BENCH_PIPE_LOOPS=20000"
    limit=$(( 600 * ${reps:-5} + 600 ))
fi
for tool in cyclictest perf python3; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"
done

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" >/dev/null
fi
ninja -C "$build" -j2 >/dev/null
out=${out:-$build/bench-vm/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The guest script: the settings, then bench/vm/guest/bench.sh (lib.sh is next to it there).
work=$(mktemp -d "${TMPDIR:-/tmp}/scxd-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
for v in BENCH_POLICIES BENCH_VARIANTS BENCH_MODES BENCH_WORKLOADS BENCH_SECS BENCH_ORDER \
    BENCH_HACKBENCH_RUNS BENCH_PIPE_RUNS BENCH_CYCLIC_RUNS; do
    [ -z "${!v:-}" ] || settings="$settings $v='${!v}'"
done
{ echo '#!/bin/sh'; echo "$settings"; tail -n +2 "$here/guest/bench.sh"; } >"$work/bench.sh"

echo "bench/vm/run.sh: $settings; console log and results in $out" >&2
rc=0
SCXD_VM_EXTRA_BINS="cyclictest perf ${SCXD_VM_EXTRA_BINS:-}" \
SCXD_VM_TIMEOUT=$limit SCXD_VM_SCRIPT_TIMEOUT=$(( limit - 60 )) \
SCXD_VM_LOG_DIR=$out SCXD_VM_STREAM=${SCXD_VM_STREAM:-0} \
    "$top/tests/vm/run.sh" "$build" "$work/bench.sh" || rc=$?
console=$(ls -t "$out"/console-*.log 2>/dev/null | head -n 1)
[ -n "$console" ] || { echo "bench/vm/run.sh: no console log in $out" >&2; exit 1; }
python3 "$here/analyze.py" "$console" --out "$out"
cat "$out/results.md"
[ "$rc" = 0 ] || { echo "bench/vm/run.sh: the guest run failed (status $rc); see $console" >&2; exit 1; }
