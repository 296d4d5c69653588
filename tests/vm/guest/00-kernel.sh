#!/bin/sh
# Smoke test of the VM itself: a sched_ext kernel, and no BPF scheduler loaded at boot.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"
set -e

info "uname -r: $(uname -r)"
info "cpus: $(nproc)"
[ -d /sys/kernel/sched_ext ] || fail "no /sys/kernel/sched_ext (kernel without CONFIG_SCHED_CLASS_EXT)"
assert_eq "$(sched_ext_state)" disabled "sched_ext state at boot"
assert_eq "$(ops_name)" "" "root/ops at boot"
info "enable_seq: $(enable_seq)"
