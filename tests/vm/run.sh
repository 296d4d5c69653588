#!/usr/bin/env bash
# Boots the Debian sched_ext kernel in QEMU with scxd, its policies and the given guest scripts,
# and judges the result from the serial console.
#
# Usage:  tests/vm/run.sh BUILD_DIR [GUEST_SCRIPT...]
#   GUEST_SCRIPT  a path, or a name in tests/vm/guest/ (".sh" optional); run in the given order.
#                 Default: every tests/vm/guest/[0-9]*.sh.
#
# Exit status: 0 all scripts passed; 1 a guest script failed; 2 environment failure (kernel
# oops/panic, or no SCXD-VM-DONE before the time limit) twice in a row; 64 usage error.
#
# Environment:
#   SCXD_VM_TIMEOUT         wall-clock limit per boot in s (default 600)
#   SCXD_VM_SCRIPT_TIMEOUT  in-guest limit per script in s (default min(300, TIMEOUT-60));
#                           a script killed by it is a test FAIL, not an environment failure
#   SCXD_TIMEOUT_SCALE      factor lib.sh applies to guest timeouts (default 2)
#   SCXD_VM_KERNEL          argument for scripts/fetch-kernel.sh (default trixie-backports)
#   SCXD_VM_LOG_DIR         where console logs go (default BUILD_DIR/vm-logs)
#   SCXD_VM_SMP, SCXD_VM_MEM  vCPUs (2) and MiB of RAM (2048)
#   SCXD_VM_APPEND          extra kernel command line
#   SCXD_VM_RETRIES         extra boots after an environment failure (default 1)
#   SCXD_VM_STREAM=0        do not copy the console to stdout (log file only)
#   SCXD_VM_EXTRA_BINS      more host binaries for the guest (see mkinitramfs.sh)
#   SCXD_VM_QEMU_ARGS       more QEMU arguments, split on spaces (e.g. "-icount shift=1,sleep=off")
set -euo pipefail

prog=run.sh
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 64; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

[ $# -ge 1 ] || die "usage: $0 BUILD_DIR [GUEST_SCRIPT...]"
build_dir=$1; shift
[ -d "$build_dir" ] || die "build directory $build_dir does not exist"
build_dir=$(cd "$build_dir" && pwd)

vm_timeout=${SCXD_VM_TIMEOUT:-600}
# A hung script should end as that script's FAIL, not as a boot timeout (which reads as an
# environment failure and is retried): keep the in-guest limit well inside the boot limit.
script_timeout_dfl=$(( vm_timeout - 60 < 300 ? vm_timeout - 60 : 300 ))
[ "$script_timeout_dfl" -ge 10 ] || script_timeout_dfl=10
export SCXD_VM_SCRIPT_TIMEOUT=${SCXD_VM_SCRIPT_TIMEOUT:-$script_timeout_dfl}
retries=${SCXD_VM_RETRIES:-1}
log_dir=${SCXD_VM_LOG_DIR:-$build_dir/vm-logs}
qemu=${SCXD_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (run scripts/install-deps.sh)"
command -v timeout >/dev/null || die "timeout (coreutils) not found"

# Resolve guest scripts; names are also the keys of the SCXD-VM-RESULT lines.
scripts=()
if [ $# -eq 0 ]; then
    for s in "$here"/guest/[0-9]*.sh; do [ -f "$s" ] && scripts+=("$s"); done
else
    for a in "$@"; do
        if [ -f "$a" ]; then scripts+=("$a")
        elif [ -f "$here/guest/$a" ]; then scripts+=("$here/guest/$a")
        elif [ -f "$here/guest/$a.sh" ]; then scripts+=("$here/guest/$a.sh")
        else die "guest script '$a' not found (neither a path nor in $here/guest/)"
        fi
    done
fi
[ "${#scripts[@]}" -gt 0 ] || die "no guest scripts"
names=()
for s in "${scripts[@]}"; do
    n=$(basename "$s")
    for m in "${names[@]}"; do [ "$m" != "$n" ] || die "two guest scripts named $n"; done
    names+=("$n")
done

kdir=$("$top/scripts/fetch-kernel.sh" ${SCXD_VM_KERNEL:+"$SCXD_VM_KERNEL"} | tail -n1)
[ -f "$kdir/vmlinuz" ] || die "fetch-kernel.sh gave no vmlinuz in '$kdir'"
log "kernel $(cat "$kdir/version") from $kdir"

work=$(mktemp -d "${TMPDIR:-/tmp}/scxd-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$here/mkinitramfs.sh" "$build_dir" "$work/initrd.cpio" "${scripts[@]}"

mkdir -p "$log_dir"
stamp=$(date +%Y%m%d-%H%M%S)-$$
append="console=ttyS0 quiet oops=panic panic=-1${SCXD_VM_APPEND:+ $SCXD_VM_APPEND}"
# Single-threaded TCG: KVM does not work here (nested), and multi-threaded TCG occasionally
# oopses the guest at freshly patched jump labels (see docs FACTS: 1 in ~20 sched_ext enables).
# shellcheck disable=SC2054  # the commas belong to QEMU's option syntax
qemu_cmd=("$qemu" -accel tcg,thread=single -cpu max
          -smp "${SCXD_VM_SMP:-2}" -m "${SCXD_VM_MEM:-2048}"
          -nographic -no-reboot -nic none
          -kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" -append "$append")
# shellcheck disable=SC2206  # split on spaces, as documented
[ -z "${SCXD_VM_QEMU_ARGS:-}" ] || qemu_cmd+=(${SCXD_VM_QEMU_ARGS})

# boot LOGFILE: one VM run; sets boot_rc (qemu/timeout status) and boot_secs.
boot() {
    local t0 t1
    log "booting (limit ${vm_timeout}s), console log: $1"
    log "command:$(printf ' %q' "${qemu_cmd[@]}")"
    t0=$(date +%s.%N)
    set +e
    if [ "${SCXD_VM_STREAM:-1}" = 0 ]; then
        timeout -k 10 "$vm_timeout" "${qemu_cmd[@]}" < /dev/null > "$1" 2>&1
        boot_rc=$?
    else
        timeout -k 10 "$vm_timeout" "${qemu_cmd[@]}" < /dev/null 2>&1 | tee "$1"
        boot_rc=${PIPESTATUS[0]}
    fi
    set -e
    t1=$(date +%s.%N)
    boot_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}

# judge LOGFILE: prints the verdict, returns 0 pass, 1 test failure, 2 environment failure.
judge() {
    local clean=$work/console.txt n line bad=0
    tr -d '\r' < "$1" > "$clean"   # the serial console ends lines with CR LF
    if grep -Eq 'Oops:|Kernel panic|BUG:|kernel BUG at' "$clean"; then
        log "ENVIRONMENT FAILURE (kernel oops/panic):"
        grep -E 'Oops:|Kernel panic|BUG:|kernel BUG at' "$clean" | head -n 5 | sed 's/^/    /' >&2
        return 2
    fi
    if ! grep -q 'SCXD-VM-DONE' "$clean"; then
        if [ "$boot_rc" -eq 124 ] || [ "$boot_rc" -eq 137 ]; then
            log "ENVIRONMENT FAILURE (kernel oops/panic): no SCXD-VM-DONE within ${vm_timeout}s (hang?)"
        else
            log "ENVIRONMENT FAILURE (kernel oops/panic): QEMU exited ($boot_rc) without SCXD-VM-DONE"
        fi
        return 2
    fi
    for n in "${names[@]}"; do
        line=$(grep -F "SCXD-VM-RESULT: $n " "$clean" | tail -n1 || true)
        case "$line" in
            *"SCXD-VM-RESULT: $n PASS"*) log "  PASS  $n ${line##* PASS }" ;;
            *"SCXD-VM-RESULT: $n FAIL"*) log "  FAIL  $n ${line##* FAIL }"; bad=1 ;;
            *) log "  FAIL  $n (no result line)"; bad=1 ;;
        esac
    done
    return "$bad"
}

attempt=0
while :; do
    attempt=$((attempt + 1))
    console=$log_dir/console-$stamp-$attempt.log
    boot "$console"
    log "boot $attempt took ${boot_secs}s (qemu status $boot_rc); log: $console"
    rc=0; judge "$console" || rc=$?
    case "$rc" in
        0) log "PASS (${#names[@]} scripts)"; exit 0 ;;
        1) log "TEST FAILURE; console log: $console"; exit 1 ;;
    esac
    if [ "$attempt" -gt "$retries" ]; then
        log "ENVIRONMENT FAILURE (kernel oops/panic) on every one of $attempt boots; console log: $console"
        exit 2
    fi
    log "retrying the whole boot (environment failure, attempt $attempt)"
done
