#!/bin/sh
# Issue 3: CPU hotplug makes the kernel unload the scheduler and ask for a restart; scxd must
# attach again by itself (same policy), count the restart, and running work must finish.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

cpu1=/sys/devices/system/cpu/cpu1/online
[ -w "$cpu1" ] || fail "$cpu1 is not writable: no CPU hotplug in this kernel/VM"

mark=$(dmesg_mark)
start_scxd --policy fifo
seq=$(enable_seq)
(cpu_hog 20) & h1=$!
(cpu_hog 20) & h2=$!
(end=$(( $(date +%s) + 20 )); while [ "$(date +%s)" -lt "$end" ]; do
    hackbench -g 1 -l 50 >/dev/null || exit 1; done) & h3=$!
sleep 2

echo 0 > "$cpu1"
echo 1 > "$cpu1"
# Attached again within 5 s (scaled for TCG): a new enable, state enabled, daemon alive.
n=0
limit=$(( $(scaled 5) * 10 ))
while [ "$(enable_seq)" -le "$seq" ] || [ "$(sched_ext_state)" != enabled ]; do
    kill -0 "$SCXD_PID" 2>/dev/null || fail "scxd exited after hotplug: $(tail -5 /tmp/scxd.err)"
    [ $n -ge $limit ] && fail "not attached again $(scaled 5)s after hotplug (enable_seq $(enable_seq), state $(sched_ext_state))"
    sleep 0.1
    n=$((n + 1))
done
info "attached again after $((n / 10)).$((n % 10))s: enable_seq $seq -> $(enable_seq), cpu1 online=$(cat "$cpu1")"
dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled' || fail "dmesg: no disable on hotplug"

# The new session publishes its counters from its loop every 250 ms: poll, then require exactly 1.
n=0
restarts=$(stat_value restarts)
while [ "$restarts" != 1 ] && [ $n -lt $(( $(scaled 3) * 10 )) ]; do
    sleep 0.1
    n=$((n + 1))
    restarts=$(stat_value restarts)
done
info "restarts=$restarts (published after $((n / 10)).$((n % 10))s)"
assert_eq "$restarts" 1 "restart counter"
for p in $h1 $h2 $h3; do wait "$p" || fail "workload $p failed across the restart"; done
stop_scxd
assert_eq "$(summary_value restarts)" 1 "restarts in the summary line"
