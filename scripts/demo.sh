#!/usr/bin/env bash
# The main job: build scxd, then run it with the FIFO policy under a short workload and show
# what the kernel reports before, during and after. On this host when its kernel has
# sched_ext (needs root); otherwise inside QEMU on Debian's sched_ext kernel.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

as_root "$top/scripts/install-deps.sh"
build=${SCXD_BUILD_DIR:-$top/build}
build_tree "$build"

if [ -d /sys/kernel/sched_ext ]; then
    echo "demo.sh: this kernel has sched_ext: running scxd here"
    SCXD="$build/daemon/scxd" SCXD_POLICY="$build/policies/fifo/fifo.so" \
        as_root "$top/tests/vm/demo/fifo-demo.sh"
else
    echo "demo.sh: this kernel ($(uname -r)) has no sched_ext: running scxd in QEMU on" \
         "Debian's sched_ext kernel (about a minute)"
    out=$(mktemp)
    rc=0
    SCXD_VM_STREAM=0 "$top/tests/vm/run.sh" "$build" "$top/tests/vm/demo/fifo-demo.sh" \
        >"$out" 2>&1 || rc=$?
    # Show the demo's own lines from the console, not the boot noise.
    log=$(sed -n 's/^run.sh: .*log: \(.*\.log\)$/\1/p' "$out" | tail -1)
    if [ -n "$log" ] && [ -f "$log" ]; then
        sed -n '/SCXD-VM-START: fifo-demo.sh/,/SCXD-VM-RESULT: fifo-demo.sh/p' "$log" |
            grep -v '^SCXD-VM-' | tr -d '\r'
    fi
    tail -n 2 "$out"
    rm -f "$out"
    exit "$rc"
fi
