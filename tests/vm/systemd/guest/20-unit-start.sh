#!/bin/sh
# `systemctl start scxd`: Type=notify reaches active once attached, the kernel runs scxd's
# scheduler, and the journal has its log lines with priorities (info for the attach line) and
# without the terminal's "scxd: LEVEL:" prefix.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

systemctl start scxd.service || fail "systemctl start scxd: $(journalctl -u scxd -n 5 -o cat)"
assert_eq "$(systemctl is-active scxd.service)" active "scxd.service after start"
assert_eq "$(sched_ext_state)" enabled "sched_ext state"
case "$(ops_name)" in scxd*) ;; *) fail "root/ops is '$(ops_name)', not scxd*" ;; esac
assert_eq "$(stat_value policy)" fifo "policy of the shipped config"
journalctl -u scxd.service -o json | grep 'attached: policy' | grep -q '"PRIORITY":"6"' ||
    fail "no attach line with PRIORITY 6 in the journal: $(journalctl -u scxd -o json | tail -2)"
# (`scxd check`'s "scxd: FILE: ok" is a result on stdout, not a log line.)
terminal='^scxd: (trace|debug|info|warning|error|critical): '
if journalctl -u scxd.service -o cat | grep -Eq "$terminal"; then
    fail "terminal-format lines in the journal: $(journalctl -u scxd -o cat | grep -E "$terminal")"
fi
info "active, enable_seq $(enable_seq), status: $(systemctl show -p StatusText --value scxd)"
