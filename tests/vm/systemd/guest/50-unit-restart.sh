#!/bin/sh
# A daemon killed with SIGKILL: the kernel drops its scheduler at once (the tasks go back to
# the fair class), and Restart=on-failure brings scxd back, attached again.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

systemctl start scxd.service || fail "systemctl start scxd failed"
wait_for_state enabled 20
pid=$(systemctl show -p MainPID --value scxd.service)
seq=$(enable_seq)
restarts=$(systemctl show -p NRestarts --value scxd.service)
mark=$(dmesg_mark)

kill -9 "$pid"
# The disable is judged by the kernel's own message: the state may be enabled again before a
# poll sees it disabled.
n=0
until dmesg_since "$mark" | grep -q 'sched_ext: BPF scheduler "scxd.*" disabled'; do
    [ $n -ge "$(( $(scaled 10) * 10 ))" ] && fail "no 'disabled' from the kernel after kill -9"
    sleep 0.1; n=$((n + 1))
done
n=0
until [ "$(systemctl show -p NRestarts --value scxd.service)" = $((restarts + 1)) ] &&
      [ "$(systemctl is-active scxd.service)" = active ]; do
    [ $n -ge "$(( $(scaled 30) * 10 ))" ] &&
        fail "not restarted: $(systemctl show -p NRestarts -p ActiveState -p SubState scxd)"
    sleep 0.1; n=$((n + 1))
done
wait_for_state enabled 10
case "$(ops_name)" in scxd*) ;; *) fail "root/ops is '$(ops_name)', not scxd*" ;; esac
[ "$(enable_seq)" -gt "$seq" ] || fail "enable_seq $(enable_seq) did not grow past $seq"
assert_ne "$(systemctl show -p MainPID --value scxd.service)" "$pid" "MainPID after restart"
assert_eq "$(stat_value policy)" vruntime "policy after the restart (from the edited config)"
info "killed $pid: disabled, restarted by systemd, enable_seq $seq -> $(enable_seq)"
systemctl stop scxd.service
wait_for_state disabled 10
