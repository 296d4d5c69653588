#!/usr/bin/env bash
# Counts the system calls the hot path makes per task: runs `scxd-bench-micro --probe` for
# every shipped policy and task count under strace, and counts the calls strace saw between
# the probe's two marker syscalls (getppid), i.e. inside Loop::run with the real plugins.
# Only the in-memory backend is behind the seam, so what is counted is the loop, the record
# conversion and the policy; the real backend adds one wait (epoll or sched_yield) per pass.
#
# Usage: bench/micro/syscalls.sh PATH/TO/scxd-bench-micro
# Exit: 0 every count is 0; 1 some pass made a system call; 77 strace cannot trace here.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/scxd-bench-micro" >&2; exit 64; }
bin=$1
command -v strace >/dev/null || { echo "syscalls.sh: strace not installed: skipped" >&2; exit 77; }
strace -f -o /dev/null true 2>/dev/null ||
    { echo "syscalls.sh: strace cannot trace here (ptrace not permitted): skipped" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/scxd-syscalls.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Control: with --yield the fake backend makes one sched_yield per pass, as the real one
# does; the count must see exactly those, or it cannot be trusted to see anything.
strace -f -qq -o "$work/trace" "$bin" --probe fifo 10 100 --yield >/dev/null
control=$(awk '/getppid\(\)/ { m++; next } m == 1 && /sched_yield/ { n++ } END { print n + 0 }' "$work/trace")
if [ "$control" -ne 100 ]; then
    echo "syscalls.sh: control run: expected 100 sched_yield calls between the markers, saw $control" >&2
    exit 1
fi
echo "control: 100 passes with a sched_yield each: strace counted $control"

bad=0
printf '| policy | tasks | passes | tasks dispatched | syscalls | syscalls per task |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: |\n'
for policy in fifo vruntime weighted; do
    for tasks in 10 1000 10000; do
        passes=$(( tasks >= 1000 ? 20 : 2000 ))
        out=$(strace -f -qq -o "$work/trace" "$bin" --probe "$policy" "$tasks" "$passes")
        dispatched=$(sed -n 's/.* dispatched=\([0-9]*\).*/\1/p' <<<"$out")
        # Lines strictly between the first and the second marker.
        calls=$(awk '/getppid\(\)/ { m++; next } m == 1 { n++ } END { print n + 0 }' "$work/trace")
        markers=$(grep -c 'getppid()' "$work/trace" || true)
        if [ "$markers" -ne 2 ] || [ -z "$dispatched" ] || [ "$dispatched" -eq 0 ]; then
            echo "syscalls.sh: $policy/$tasks: probe did not run as expected (markers $markers): $out" >&2
            exit 1
        fi
        per=$(awk -v c="$calls" -v d="$dispatched" 'BEGIN { printf "%.6f", c / d }')
        printf '| %s | %s | %s | %s | %s | %s |\n' "$policy" "$tasks" "$passes" "$dispatched" "$calls" "$per"
        if [ "$calls" -ne 0 ]; then
            bad=1
            echo "syscalls.sh: $policy with $tasks tasks made $calls system calls in the hot path:" >&2
            awk '/getppid\(\)/ { m++; next } m == 1' "$work/trace" | head -n 5 >&2
        fi
    done
done
exit "$bad"
