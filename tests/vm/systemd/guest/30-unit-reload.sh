#!/bin/sh
# Edit /etc/scxd/scxd.toml to another policy and `systemctl reload scxd`: the policy is swapped
# while the BPF scheduler stays attached (enable_seq unchanged) and work running across the
# swap finishes.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

seq=$(enable_seq)
pid=$(systemctl show -p MainPID --value scxd.service)
# Work that runs until the swap is verified, so it certainly spans it.
touch /tmp/keep-running
(while [ -e /tmp/keep-running ]; do :; done) & hog=$!
(while [ -e /tmp/keep-running ]; do /bin/true & /bin/true & wait; done) & storm=$!

printf '# 30-unit-reload.sh\npolicy = "vruntime"\n' >>/etc/scxd/scxd.toml
systemctl reload scxd.service || fail "systemctl reload scxd failed"
n=0
while [ "$(stat_value policy)" != vruntime ]; do
    [ $n -ge "$(( $(scaled 10) * 10 ))" ] && fail "policy is '$(stat_value policy)', not vruntime"
    sleep 0.1; n=$((n + 1))
done
assert_attached_since "$seq"
case "$(ops_name)" in scxd*) ;; *) fail "root/ops is '$(ops_name)', not scxd*" ;; esac
assert_eq "$(systemctl show -p MainPID --value scxd.service)" "$pid" "MainPID (a reload restarted?)"
assert_eq "$(stat_value policy_swaps)" 1 "policy_swaps after one reload"
rm /tmp/keep-running
wait "$hog" || fail "CPU hog failed across the reload"
wait "$storm" || fail "fork storm failed across the reload"
assert_eq "$(systemctl is-active scxd.service)" active "scxd.service after the reload"
info "reloaded fifo -> vruntime, enable_seq still $seq"
