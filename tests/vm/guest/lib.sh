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

# calc EXPR: floating point with awk (busybox sh has integers only).
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }
# check COND MESSAGE: COND is an awk boolean expression.
check() { [ "$(awk "BEGIN { print ($1) ? 1 : 0 }")" = 1 ] || fail "$2"; }
# report_target COND WHAT: one of issue 7's targets (COND an awk boolean expression), printed
# as TARGET-MET or TARGET-GAP WHAT; with SCXD_STRICT_TARGETS=1 a gap fails the test.
report_target() {
    if [ "$(awk "BEGIN { print ($1) ? 1 : 0 }")" = 1 ]; then
        info "TARGET-MET $2"
    elif [ "${SCXD_STRICT_TARGETS:-0}" = 1 ]; then
        fail "TARGET-GAP $2"
    else
        info "TARGET-GAP $2"
    fi
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

# ---- the daemon ----------------------------------------------------------------------------

# spawn_scxd [ARGS...]: `scxd run ARGS` in the background, output in /tmp/scxd.out and .err;
# sets SCXD_PID. Does not wait for anything.
spawn_scxd() {
    scxd run "$@" >/tmp/scxd.out 2>/tmp/scxd.err &
    SCXD_PID=$!
}

# start_scxd [ARGS...]: spawn_scxd ARGS, then wait until the kernel says enabled with an ops
# name starting with scxd.
start_scxd() {
    spawn_scxd "$@"
    _n=0
    while [ "$(sched_ext_state)" != enabled ]; do
        kill -0 "$SCXD_PID" 2>/dev/null || fail "scxd run $* exited: $(tail -3 /tmp/scxd.err)"
        [ $_n -ge "$(( $(scaled 20) * 10 ))" ] && fail "scxd run $*: not enabled after $(scaled 20)s"
        sleep 0.1
        _n=$((_n + 1))
    done
    case "$(ops_name)" in scxd*) ;; *) fail "root/ops is '$(ops_name)', not scxd*" ;; esac
    info "scxd run $* attached (enable_seq $(enable_seq))"
}

# stop_scxd: SIGTERM, expect exit 0 and the kernel back to disabled. Prints the summary line.
stop_scxd() {
    kill -TERM "$SCXD_PID"
    _rc=0
    wait "$SCXD_PID" || _rc=$?
    cat /tmp/scxd.out
    [ "$_rc" = 0 ] || fail "scxd exited $_rc after SIGTERM: $(tail -5 /tmp/scxd.err)"
    wait_for_state disabled 10
}

# wait_exit PID TIMEOUT_S: wait for a background PID to exit, at most TIMEOUT_S (scaled);
# fails if it still runs then. Sets WAIT_RC to its exit status.
wait_exit() {
    _n=0
    while kill -0 "$1" 2>/dev/null && [ $_n -lt "$(( $(scaled "$2") * 10 ))" ]; do
        sleep 0.1
        _n=$((_n + 1))
    done
    kill -0 "$1" 2>/dev/null && fail "process $1 still runs after $(scaled "$2")s"
    WAIT_RC=0
    wait "$1" || WAIT_RC=$?
}

# fatal_fixture WHAT FIXTURE WANT_RC LINE_RE: under start_load, `scxd run` with the fixture
# policy FIXTURE (tests/fixtures/FIXTURE.so) must attach, then end by itself with status
# WANT_RC and a line on stderr matching LINE_RE; the kernel ends up disabled and the load
# finishes.
fatal_fixture() {
    _seq0=$(enable_seq)
    start_load
    spawn_scxd --policy "$SCXD_TEST_DIR/fixtures/$2.so"
    wait_exit "$SCXD_PID" 30
    [ "$WAIT_RC" = "$3" ] || fail "$1: scxd exited $WAIT_RC, want $3: $(tail -3 /tmp/scxd.err)"
    [ "$(enable_seq)" -gt "$_seq0" ] || fail "$1: the scheduler was never enabled"
    grep -q "$4" /tmp/scxd.err || fail "$1: no line matching '$4': $(tail -3 /tmp/scxd.err)"
    wait_for_state disabled 10
    finish_load "$1"
}

# summary_value KEY: KEY=N from the daemon's summary line (after stop_scxd).
summary_value() {
    sed -n "s/.* $1=\([0-9]*\).*/\1/p" /tmp/scxd.out | tail -1
}

# stat_value KEY: a numeric (or string) value from `scxd stats --json` of the running daemon.
# settle_stats: wait until `scxd stats` covers what just ran. The daemon publishes its
# counters every 250 ms from its loop, which wakes at least every 100 ms (idle_wait).
settle_stats() { sleep 0.4; }

stat_value() {
    scxd stats --json | tr ',{}' '\n\n\n' | sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p"
}

# assert_attached_since SEQ: still the same attachment (no ejection, no restart).
assert_attached_since() {
    assert_eq "$(sched_ext_state)" enabled "sched_ext state"
    assert_eq "$(enable_seq)" "$1" "enable_seq (an ejection or re-attach happened)"
}

# ---- workloads -------------------------------------------------------------------------------

# cpu_hog SECONDS: burn one CPU for about SECONDS (busybox sh has no better spinner).
cpu_hog() {
    _end=$(( $(date +%s) + $1 ))
    while [ "$(date +%s)" -lt "$_end" ]; do :; done
}

# fork_storm SECONDS: short-lived processes as fast as they can be made.
fork_storm() {
    _end=$(( $(date +%s) + $1 ))
    while [ "$(date +%s)" -lt "$_end" ]; do
        for _i in 1 2 3 4 5 6 7 8 9 10; do /bin/true & done
        wait
    done
}

# start_load: a CPU hog and a hackbench in the background, for the fault tests; finish_load
# WHAT: both must exit 0 (nothing lost whatever happened to the scheduler meanwhile).
start_load() {
    (cpu_hog 3) & LOAD_HOG=$!
    (hackbench -g 2 -l 100 >/dev/null) & LOAD_BENCH=$!
}
finish_load() {
    wait "$LOAD_HOG" || fail "$1: a CPU hog did not finish"
    wait "$LOAD_BENCH" || fail "$1: hackbench did not finish"
}

# dmesg_mark: a mark for dmesg_since. dmesg_since MARK: the kernel's messages after the mark
# (earlier scripts' events, e.g. a deliberate ejection, must not count against this one).
dmesg_mark() { dmesg | wc -l; }
dmesg_since() { dmesg | tail -n "+$(( $1 + 1 ))"; }

# hogs_in_window SECS SPEC...: one `spin` per SPEC ("nice:N" or "uid:N"), all at once; prints
# their cpu_ns in SPEC order, space separated. All count the same SECS-long window, which starts
# once every hog runs (see tests/vm/tools/spin.c). Hogs that each counted their own SECS from
# their own start (fork and exec are slow under TCG) would add the spread of their starts to
# the total: more than SECS x CPUs, and more the slower the scheduler spawned them.
# Shared by the fairness test and bench/vm.
_hogs_ready() {
    set -- /tmp/hogs-go/go.*
    if [ -e "$1" ]; then echo $#; else echo 0; fi
}
hogs_in_window() {
    _secs=$1; shift
    _i=0 _go=/tmp/hogs-go/go
    rm -rf /tmp/hogs-go && mkdir -m 1777 /tmp/hogs-go
    for _spec in "$@"; do
        case "$_spec" in
            nice:*) spin "$_secs" "${_spec#nice:}" "$_go" >"/tmp/hog.$_i" & ;;
            uid:*) run-as-uid "${_spec#uid:}" spin "$_secs" 0 "$_go" >"/tmp/hog.$_i" & ;;
        esac
        _i=$((_i + 1))
    done
    _n=0
    while [ "$(_hogs_ready)" -lt $_i ]; do
        _n=$((_n + 1))
        [ $_n -le 600 ] || fail "the hogs did not all start within 60 s"
        sleep 0.1
    done
    awk '{ printf "%.2f\n", $1 + 2 }' /proc/uptime >"$_go.tmp" && mv "$_go.tmp" "$_go"
    for _p in $(jobs -p); do
        [ "$_p" = "${SCXD_PID:-}" ] || wait "$_p" || fail "hog $_p failed"
    done
    _j=0 _out=""
    while [ $_j -lt $_i ]; do
        _v=$(sed -n 's/^cpu_ns=//p' "/tmp/hog.$_j")
        [ -n "$_v" ] || fail "hog $_j printed no cpu time"
        _out="$_out $_v"
        _j=$((_j + 1))
    done
    echo "$_out"
}

# The daemon's CPU time so far (utime + stime of /proc/PID/stat, in clock ticks; 0 when
# scxd is not running). Shared by the fairness test and bench/vm.
daemon_ticks() {
    [ -n "${SCXD_PID:-}" ] && [ -r "/proc/$SCXD_PID/stat" ] || { echo 0; return; }
    # Fields after the ")" of comm: state is 1, utime 12, stime 13.
    sed 's/.*) //' "/proc/$SCXD_PID/stat" | awk '{ print $12 + $13 }'
}
