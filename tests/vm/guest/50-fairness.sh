#!/bin/sh
# Issue 4: the vruntime and weighted policies against the kernel's own scheduler (EEVDF),
# in one boot. CPU time per hog is what the kernel accounted to it (CLOCK_PROCESS_CPUTIME_ID,
# printed by `spin`). Checks:
#   three equal hogs on two CPUs: max/min <= 1.05, total >= 0.975 x EEVDF's (the 0.99 target
#   is reported as TARGET-MET / TARGET-GAP, enforced with SCXD_STRICT_TARGETS=1)
#   two nice-0 + two nice-5 hogs: nice0/nice5 CPU ratio within 10% of EEVDF's (about 3.06)
#   weighted, uid 1000 : uid 2000 = 3 : 1 (two hogs each): ratio 3 +- 10%
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

DUR=${SCXD_FAIR_SECONDS:-10}

# hogs SPEC...: see hogs_in_window in lib.sh.
hogs() { hogs_in_window "$DUR" "$@"; }

# need N ARGS...: `fail` inside $(...) only ends that subshell, so check what came back.
need() {
    _want=$1; shift
    [ $# -eq "$_want" ] || fail "expected $_want values from the hogs, got $#: $*"
}

# Where the CPU time went while the hogs ran (/proc/stat, in ticks of 1/100 s): printed so
# that a gap in the hogs' total shows whether the daemon, idle CPUs or the kernel took it.
cpu_ticks() { # prints: busy idle
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

equal_hogs() { # prints: total max/min
    # shellcheck disable=SC2046 # one word per number
    set -- $(cpu_ticks) "$(daemon_ticks)"
    b0=$1 i0=$2 d0=$3
    # shellcheck disable=SC2046 # one word per number
    set -- $(hogs nice:0 nice:0 nice:0)
    need 3 "$@"
    r="$(calc "$1 + $2 + $3") $(calc "($1 > $2 ? ($1 > $3 ? $1 : $3) : ($2 > $3 ? $2 : $3)) / ($1 < $2 ? ($1 < $3 ? $1 : $3) : ($2 < $3 ? $2 : $3))")"
    # shellcheck disable=SC2046 # one word per number
    set -- $(cpu_ticks) "$(daemon_ticks)"
    all=$(($1 - b0 + $2 - i0))
    info "three hogs: of $all ticks, idle $(($2 - i0)), daemon $(($3 - d0))" >&2
    echo "$r"
}

nice_ratio() {
    # shellcheck disable=SC2046 # one word per number
    set -- $(hogs nice:0 nice:0 nice:5 nice:5)
    need 4 "$@"
    calc "($1 + $2) / ($3 + $4)"
}

# --- the kernel's own scheduler --------------------------------------------------------------
assert_eq "$(sched_ext_state)" disabled "state before the baseline"
r=$(equal_hogs) || exit 1; set -- $r; eevdf_total=$1; eevdf_spread=$2
eevdf_nice=$(nice_ratio) || exit 1
info "EEVDF: three hogs total ${eevdf_total} ns (max/min $eevdf_spread), nice0/nice5 $eevdf_nice"

# --- vruntime ----------------------------------------------------------------------------------
start_scxd --policy vruntime
seq=$(enable_seq)
r=$(equal_hogs) || exit 1; set -- $r; vr_total=$1; vr_spread=$2
vr_nice=$(nice_ratio) || exit 1
assert_attached_since "$seq"
stop_scxd
info "vruntime: three hogs total $vr_total ns ($(calc "$vr_total / $eevdf_total") x EEVDF, max/min $vr_spread), nice0/nice5 $vr_nice ($(calc "$vr_nice / $eevdf_nice") x EEVDF)"
check "$vr_spread <= 1.05" "vruntime: three equal hogs got max/min $vr_spread (> 1.05)"
# Issue 4's 0.99 target: met in runs since BPF requeues hogs itself (0.991x - 0.992x on a
# quiet host), but single runs move by about half a percent, so CI enforces a floor that
# catches the daemon going back to one run per slice end (0.97x - 0.98x), and reports the
# target; SCXD_STRICT_TARGETS=1 enforces it.
ratio=$(calc "$vr_total / $eevdf_total")
check "$ratio >= 0.975" "vruntime: three hogs got ${ratio} x EEVDF's CPU (< 0.975: is the daemon back on every slice end?)"
report_target "$ratio >= 0.99" "vruntime total CPU ${ratio} x EEVDF (target >= 0.99)"
check "$vr_nice >= 0.9 * $eevdf_nice && $vr_nice <= 1.1 * $eevdf_nice" \
    "vruntime: nice0/nice5 ratio $vr_nice not within 10% of EEVDF's $eevdf_nice"

# --- weighted ----------------------------------------------------------------------------------
cat >/tmp/weighted.toml <<'TOML'
[policy]
name = "weighted"

[[policy.weighted.class]]
name = "gold"
uid = 1000
weight = 3

[[policy.weighted.class]]
name = "bronze"
uid = 2000
weight = 1
TOML
start_scxd --config /tmp/weighted.toml
seq=$(enable_seq)
# shellcheck disable=SC2046 # one word per number
set -- $(hogs uid:1000 uid:1000 uid:2000 uid:2000)
need 4 "$@"
assert_attached_since "$seq"
stop_scxd
w_ratio=$(calc "($1 + $2) / ($3 + $4)")
info "weighted: uid 1000 / uid 2000 CPU = $w_ratio (configured 3:1)"
check "$w_ratio >= 2.7 && $w_ratio <= 3.3" "weighted: uid 1000/2000 CPU ratio $w_ratio not within 10% of 3"
