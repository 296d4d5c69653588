#!/usr/bin/env bash
# Every test scxd has: installs what is missing (apt), builds with -Werror, runs the unit
# tests (no root, no kernel), the analysis steps (unit tests under ASan+UBSan, clang-tidy,
# cppcheck, shellcheck, fuzzing: scripts/analysis.sh) and the VM tests (the Debian sched_ext
# kernel under QEMU).
#
#   scripts/test.sh            everything
#   SCXD_SKIP_VM=1 scripts/test.sh   unit tests and analysis only
#   SCXD_SKIP_ANALYSIS=1 scripts/test.sh   without the analysis steps
#   SCXD_VM_KERNELS="trixie-backports" scripts/test.sh   VM tests on one kernel only
#   SCXD_SKIP_DEB=1 scripts/test.sh   without the Debian package and its systemd VM test
#
# The last line is "tests: N passed, M failed"; the exit status is non-zero on any failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

as_root "$top/scripts/install-deps.sh"
build=${SCXD_BUILD_DIR:-$top/build-test}
build_tree "$build" --werror -Dtests=true

passed=0 failed=0
unit_log=$build/meson-logs/testlog.txt
if meson test -C "$build" --print-errorlogs; then :; fi
# meson's own summary: "Ok: N", "Fail: N", ...
ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$unit_log" | tail -1)
bad=$(sed -n 's/^\(Fail\|Unexpected Pass\|Timeout\): *\([0-9]*\).*/\2/p' "$unit_log" |
      awk '{s += $1} END {print s + 0}')
passed=$((passed + ${ok:-0})); failed=$((failed + bad))
[ -n "$ok" ] || { echo "test.sh: no unit test summary in $unit_log" >&2; failed=$((failed + 1)); }

# Sanitizers, clang-tidy, cppcheck, shellcheck, fuzzing: one test each.
if [ "${SCXD_SKIP_ANALYSIS:-0}" != 1 ]; then
    echo "test.sh: analysis (scripts/analysis.sh)"
    an_out=$(mktemp)
    set +e
    "$top/scripts/analysis.sh" 2>&1 | tee "$an_out"
    set -e
    an_pass=$(grep -c '^analysis: PASS ' "$an_out" || true)
    an_fail=$(grep -c '^analysis: FAIL ' "$an_out" || true)
    [ $((an_pass + an_fail)) -gt 0 ] || an_fail=1 # it did not even get to its steps
    passed=$((passed + an_pass)); failed=$((failed + an_fail))
    rm -f "$an_out"
fi

# The same binary on two sched_ext kernels: Debian trixie-backports (7.3) gets every VM test,
# sid (7.2) the ones that exercise what differs between kernel versions (loading, kfuncs,
# ops flags, ejection, partial mode, the kernel's idle-CPU pick, standing wakeups
# (scx_bpf_dsq_peek), ops.dequeue()'s custody rule, the SDK example, live swap), to keep
# CI's time down.
# SCXD_VM_FULL=1 runs every test on both.
vm_kernels=${SCXD_VM_KERNELS:-trixie-backports sid}
[ "${SCXD_SKIP_VM:-0}" = 1 ] && vm_kernels=""
for kernel in $vm_kernels; do
    echo "test.sh: VM tests on the $kernel kernel"
    vm_scripts=()
    if [ "$kernel" = sid ] && [ "${SCXD_VM_FULL:-0}" != 1 ]; then
        vm_scripts=(00-kernel 10-fifo 15-eject 40-partial 52-wakeups 53-idle-wakeups 55-example 56-wakeup-granularity 58-custody 59-migrations 60-reload)
    fi
    vm_out=$(mktemp)
    set +e
    SCXD_VM_KERNEL=$kernel "$top/tests/vm/run.sh" "$build" "${vm_scripts[@]}" 2>&1 | tee "$vm_out"
    vm_rc=${PIPESTATUS[0]}
    set -e
    vm_pass=$(grep -c '^run.sh:   PASS ' "$vm_out" || true)
    vm_fail=$(grep -cE '^run.sh:   (FAIL|MISSING) ' "$vm_out" || true)
    [ "$vm_rc" = 0 ] || [ "$vm_fail" -gt 0 ] || vm_fail=1 # environment failure
    passed=$((passed + vm_pass)); failed=$((failed + vm_fail))
    rm -f "$vm_out"
done

# The Debian package from packaging/debian/, then the VM test that installs it into a Debian
# with systemd as init (tests/vm/systemd/). SCXD_SKIP_DEB=1 skips both.
if [ "${SCXD_SKIP_VM:-0}" != 1 ] && [ "${SCXD_SKIP_DEB:-0}" != 1 ]; then
    echo "test.sh: Debian package and the systemd VM test"
    if "$top/tests/packaging/build-deb.sh" "$build/deb"; then
        passed=$((passed + 1))
        vm_out=$(mktemp)
        set +e
        "$top/tests/vm/systemd/run.sh" "$build/deb" 2>&1 | tee "$vm_out"
        vm_rc=${PIPESTATUS[0]}
        set -e
        vm_pass=$(grep -c '^run.sh:   PASS ' "$vm_out" || true)
        vm_fail=$(grep -cE '^run.sh:   (FAIL|MISSING) ' "$vm_out" || true)
        [ "$vm_rc" = 0 ] || [ "$vm_fail" -gt 0 ] || vm_fail=1 # environment failure
        passed=$((passed + vm_pass)); failed=$((failed + vm_fail))
        rm -f "$vm_out"
    else
        failed=$((failed + 1))
    fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
