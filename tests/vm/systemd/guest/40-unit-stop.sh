#!/bin/sh
# `systemctl stop scxd`: the kernel's own scheduler is back.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

systemctl stop scxd.service || fail "systemctl stop scxd failed"
wait_for_state disabled 10
assert_eq "$(systemctl is-active scxd.service || true)" inactive "scxd.service after stop"
assert_eq "$(ops_name)" "" "root/ops after stop"
info "stopped, sched_ext disabled"
