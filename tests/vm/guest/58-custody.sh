#!/bin/sh
# Property changes of tasks waiting in scxd's DSQs. BPF skips a DSQ lookup while its count of
# the DSQ's tasks (in_dsq[], bumped at each insert, dropped by ops.dequeue() when a task leaves
# BPF's custody) is 0, so a count below what a DSQ holds would leave a task there that no CPU
# takes, until the kernel's watchdog ejects scxd. Property changes take a task out of its DSQ
# without a move to a local DSQ (ops.dequeue() with SCX_DEQ_SCHED_CHANGE) and put it back
# through ops.enqueue(). Here four CPU hogs on two CPUs (vruntime, full-user: every decision
# goes to a CPU's DSQ or the shared one) have their affinity and nice level changed in 12
# rounds. Checks: every change succeeded, every hog lived to the end, scxd stayed attached, and
# once the machine is idle again no count (read from BPF's .bss with bpftool, not from the
# daemon) is below 0 in five samples a quarter second apart (a task left a DSQ twice); their
# sum, 0 when nothing was counted too high, is reported.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=12

# in_dsq[] from BPF's .bss (bpftool's JSON: "in_dsq":[n,n,...]): its sum, then how many
# entries are negative (fewer counted than a DSQ holds can show as one).
in_dsq_sum() {
    bpftool -j map dump name scxd_bpf.bss |
        sed -n 's/.*"in_dsq":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' |
        awk '{ s += $1; if ($1 < 0) n++ } END { print s + 0, n + 0 }'
}

command -v bpftool >/dev/null || fail "bpftool is not in the guest"
start_scxd --policy vruntime --mode full-user
seq=$(enable_seq)
[ -n "$(bpftool -j map dump name scxd_bpf.bss | sed -n 's/.*"in_dsq":\[.*/x/p')" ] ||
    fail "no in_dsq in scxd_bpf.bss: $(bpftool map show | grep -c bss) .bss maps"

# The hogs spin until the loop is done: a fixed number of rounds, however slow the guest is,
# and no hog ends while its properties are still being changed.
pids=""
for _i in 1 2 3 4; do
    (while :; do :; done) &
    pids="$pids $!"
done

changes=0
start=$(date +%s)
round=0
while [ $round -lt $ROUNDS ]; do
    for pid in $pids; do
        mask=$(( (changes % 3) + 1 ))
        taskset -p "$mask" "$pid" >/dev/null 2>&1 || fail "taskset -p $mask $pid failed"
        renice -n $(( changes % 2 * 5 )) -p "$pid" >/dev/null 2>&1 || fail "renice $pid failed"
        changes=$((changes + 2))
    done
    round=$((round + 1))
done
for pid in $pids; do
    kill -0 "$pid" 2>/dev/null || fail "hog $pid is gone before the loop ended"
    kill "$pid"
done
for pid in $pids; do wait "$pid" 2>/dev/null; done
info "$changes property changes of 4 hogs in $(( $(date +%s) - start )) s"
assert_attached_since "$seq"

sums=""
min=""
for _i in 1 2 3 4 5; do
    sleep 0.25
    r=$(in_dsq_sum)
    sum=${r% *}
    neg=${r#* }
    [ "$neg" = 0 ] || fail "$neg in_dsq entries below 0 (sum $sum): a task left a DSQ twice"
    sums="$sums $sum"
    if [ -z "$min" ] || [ "$sum" -lt "$min" ]; then min=$sum; fi
done
info "in_dsq sums at rest:$sums"
# Too high is allowed by design (a decision racing its task's property change leaves +1,
# which costs lookups, never a task); seen once on sid (sum 1). Reported, not enforced.
[ "$min" = 0 ] || info "in_dsq stayed above 0 at rest (min $min): a count kept for a task no DSQ holds"
assert_attached_since "$seq"
stop_scxd >/dev/null
