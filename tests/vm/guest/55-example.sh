#!/bin/sh
# Issue 4: the SDK's example policy (examples/minimal-c), built out of tree against the
# installed scxd-policy.pc by mkinitramfs.sh, is listed by `scxd policies`, loads, and
# schedules real tasks.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

scxd policies | grep -q '^wakeup-first .*abi 1\.' || fail "scxd policies does not list wakeup-first: $(scxd policies 2>&1)"
start_scxd --policy wakeup-first
seq=$(enable_seq)
hackbench -g 2 -l 100 >/dev/null || fail "hackbench failed under the example policy"
assert_attached_since "$seq" # the kernel kept it all along: no ejection during the work
ud=$(stat_value user_dispatches)
assert_eq "$(stat_value policy)" wakeup-first "active policy"
stop_scxd
[ "${ud:-0}" -gt 0 ] || fail "the example policy dispatched nothing (user_dispatches=$ud)"
info "wakeup-first (built out of tree) scheduled: user_dispatches=$ud"
