# shellcheck shell=sh
# Helpers for the guest scripts of the scxd VM tests; runs under busybox sh inside the VM.
# Use from a guest script:   . "$(dirname "$0")/lib.sh"
#
# A script passes by exiting 0. Any non-zero exit (fail, a failed assert, `set -e`) prints the
# sched_ext lines of dmesg and the sched_ext sysfs state, to make the console log self-contained.
# Never print the strings "Oops:", "Kernel panic" or "BUG:" yourself: run.sh reads them in the
# console log as a kernel failure.
#
# Timeouts: the guest runs 2 vCPUs on one host thread (TCG), roughly half the speed of a real
# 2-CPU machine, so every TIMEOUT_S given to these helpers is multiplied by SCXD_TIMEOUT_SCALE
# (default 2). Use `scaled N` for timeouts of your own.

# shellcheck disable=SC1091  # written by tests/vm/mkinitramfs.sh into the initramfs
[ -f /tests/env ] && . /tests/env
: "${SCXD_TIMEOUT_SCALE:=2}"
SCX_SYSFS=/sys/kernel/sched_ext
SCXD_TEST_NAME=$(basename "$0")

info() { echo "$SCXD_TEST_NAME: $*"; }

# scaled SECONDS: SECONDS * SCXD_TIMEOUT_SCALE (integer).
scaled() { echo $(( $1 * SCXD_TIMEOUT_SCALE )); }

fail() {
    echo "$SCXD_TEST_NAME: FAIL: $*" >&2
    exit 1
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# assert_ne ACTUAL UNEXPECTED [WHAT]
assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-value}: must not be '$2'"
}

# sched_ext_state: enabled | disabled | enabling | disabling (fails if sched_ext is absent).
sched_ext_state() {
    [ -r "$SCX_SYSFS/state" ] || fail "$SCX_SYSFS/state missing: kernel without sched_ext?"
    cat "$SCX_SYSFS/state"
}

# ops_name: name of the loaded BPF scheduler; empty when none is loaded.
ops_name() {
    cat "$SCX_SYSFS/root/ops" 2>/dev/null
}

# enable_seq: how many times a BPF scheduler was enabled since boot.
enable_seq() {
    cat "$SCX_SYSFS/enable_seq"
}

# wait_for_state STATE TIMEOUT_S: poll until sched_ext_state is STATE; fail after
# TIMEOUT_S * SCXD_TIMEOUT_SCALE seconds.
wait_for_state() {
    _want=$1
    _limit=$(( $(scaled "$2") * 10 ))   # in 0.1 s steps
    _n=0
    while :; do
        _cur=$(sched_ext_state)
        [ "$_cur" = "$_want" ] && return 0
        [ "$_n" -ge "$_limit" ] &&
            fail "sched_ext state is '$_cur', not '$_want' after $(scaled "$2")s"
        sleep 0.1
        _n=$((_n + 1))
    done
}

# dump_sched_ext: sysfs state and the kernel's sched_ext messages (also run on failure).
dump_sched_ext() {
    echo "---- $SCXD_TEST_NAME: sched_ext state ----"
    for _f in state enable_seq switch_all nr_rejected hotplug_seq root/ops; do
        [ -r "$SCX_SYSFS/$_f" ] && echo "$_f: $(cat "$SCX_SYSFS/$_f")"
    done
    echo "---- $SCXD_TEST_NAME: dmesg | grep sched_ext ----"
    # Prefixed to tell these copies apart from the kernel's own console lines.
    dmesg | grep -i -e sched_ext -e scx | tail -n 50 | sed 's/^/dmesg| /'
    echo "----"
}

_scxd_lib_exit() {
    _rc=$?
    [ "$_rc" -eq 0 ] || dump_sched_ext
    exit "$_rc"
}
trap _scxd_lib_exit EXIT
