#!/bin/sh
# Issue 6: live policy swap. SIGHUP re-reads the config; a valid one swaps the policy between
# two loop passes while the BPF program stays attached (enable_seq unchanged), and work
# running across the swap finishes; an invalid one is logged and the old policy keeps running.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

conf=/tmp/scxd.toml
printf 'policy = "fifo"\n' >"$conf"
start_scxd --config "$conf"
seq=$(enable_seq)
assert_eq "$(stat_value policy)" fifo "active policy at start"

(end=$(( $(date +%s) + 12 )); while [ "$(date +%s)" -lt "$end" ]; do
    hackbench -g 2 -l 50 >/dev/null || exit 1; done) & load=$!
(spin 10 >/dev/null) & hog=$!
sleep 2

# wait_policy NAME: the daemon reports NAME as active within 10 s (scaled).
wait_policy() {
    n=0
    while [ "$(stat_value policy)" != "$1" ]; do
        [ $n -ge "$(( $(scaled 10) * 10 ))" ] && fail "policy is '$(stat_value policy)', not '$1'"
        sleep 0.1; n=$((n + 1))
    done
}

printf '[policy]\nname = "vruntime"\n\n[policy.vruntime]\nslice_us = 3000\n' >"$conf"
kill -HUP "$SCXD_PID"
wait_policy vruntime
assert_attached_since "$seq"
assert_eq "$(stat_value policy_swaps)" 1 "policy_swaps after one reload"
info "swapped fifo -> vruntime under load, enable_seq still $seq"

printf 'policy = "no-such-policy"\n' >"$conf"
kill -HUP "$SCXD_PID"
sleep "$(scaled 2)"
kill -0 "$SCXD_PID" 2>/dev/null || fail "an invalid config on reload killed the daemon"
assert_eq "$(stat_value policy)" vruntime "policy after an invalid reload"
grep -q 'reload failed, keeping the current policy' /tmp/scxd.err ||
    fail "no log line for the failed reload: $(tail -3 /tmp/scxd.err)"
assert_attached_since "$seq"

# vruntime -> a new vruntime instance (a reload with other parameters) with more hogs than
# CPUs. The new instance's virtual time starts at 0 again: unless the daemon shifts the new
# policy's vtimes past the old one's, a hog the old one queued waits behind every new
# decision and every BPF requeue, and the kernel's watchdog ejects scxd ("runnable task
# stall" 25 s into this test without the shift).
hogs=""
for i in 1 2 3; do (spin 16 >"/tmp/swap-hog.$i") & hogs="$hogs $!"; done
sleep "$(scaled 3)"
printf '[policy]\nname = "vruntime"\n\n[policy.vruntime]\nslice_us = 4000\n' >"$conf"
kill -HUP "$SCXD_PID"
n=0
while [ "$(stat_value policy_swaps)" != 2 ]; do
    [ $n -ge "$(( $(scaled 10) * 10 ))" ] && fail "no second swap (policy_swaps $(stat_value policy_swaps))"
    sleep 0.1; n=$((n + 1))
done
info "swapped vruntime -> a new vruntime (its clock from 0) under three hogs and hackbench"
for h in $hogs; do wait "$h" || fail "CPU hog failed across the second swap"; done
assert_attached_since "$seq"
for i in 1 2 3; do
    cpu=$(sed -n 's/^cpu_ns=//p' "/tmp/swap-hog.$i")
    [ "${cpu:-0}" -gt 1000000000 ] || fail "hog $i got ${cpu:-0} ns of CPU in 16 s across the second swap"
done
assert_eq "$(stat_value policy_swaps)" 2 "policy_swaps after two reloads"

wait "$load" || fail "hackbench loop failed across the swap"
wait "$hog" || fail "CPU hog failed across the swap"
stop_scxd
assert_eq "$(summary_value policy_swaps)" 2 "policy_swaps in the summary line"
