#!/usr/bin/env bash
# The systemd VM test: boots the Debian sched_ext kernel with a Debian 12 root file system in
# which systemd is PID 1 (tests/vm/systemd/mkrootfs.sh, cached), installs the scxd .deb there
# and drives the service with systemctl (tests/vm/systemd/guest/NN-*.sh).
#
# Usage:  tests/vm/systemd/run.sh DEB_DIR
#   DEB_DIR  holds scxd_*.deb (tests/packaging/build-deb.sh DEB_DIR builds it)
#
# The root file system is the initramfs: the cached cpio of the rootfs, then a small cpio with
# the .deb, the guest scripts and the runner unit (the kernel unpacks both into one tmpfs). No
# disk image, no kernel modules: the Debian kernel has sched_ext, tmpfs and the serial console
# built in. Prints "run.sh:   PASS  NAME" / "run.sh:   FAIL  NAME" per guest script, as
# tests/vm/run.sh does. Exit: 0 pass, 1 test failure, 2 environment failure (twice), 64 usage.
#
# Environment: SCXD_VM_TIMEOUT (wall-clock limit per boot, default 280 s),
#   SCXD_VM_SCRIPT_TIMEOUT (per guest script, default 120 s), SCXD_TIMEOUT_SCALE (default 2),
#   SCXD_VM_KERNEL, SCXD_VM_LOG_DIR (default DEB_DIR/vm-logs), SCXD_VM_RETRIES (default 1),
#   SCXD_VM_STREAM=0 (console to the log file only).
set -euo pipefail

prog=run.sh
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 64; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
[ $# -eq 1 ] || die "usage: $0 DEB_DIR"
deb_dir=$(cd "$1" && pwd) || die "no directory $1"
deb=$(ls "$deb_dir"/scxd_*_amd64.deb 2>/dev/null | head -n1)
[ -f "$deb" ] || die "no scxd_*_amd64.deb in $deb_dir (run tests/packaging/build-deb.sh $deb_dir)"

vm_timeout=${SCXD_VM_TIMEOUT:-280}
retries=${SCXD_VM_RETRIES:-1}
log_dir=${SCXD_VM_LOG_DIR:-$deb_dir/vm-logs}
qemu=${SCXD_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (run scripts/install-deps.sh)"

names=()
for s in "$here"/guest/[0-9]*.sh; do names+=("$(basename "$s")"); done

kdir=$("$top/scripts/fetch-kernel.sh" ${SCXD_VM_KERNEL:+"$SCXD_VM_KERNEL"} | tail -n1)
[ -f "$kdir/vmlinuz" ] || die "fetch-kernel.sh gave no vmlinuz in '$kdir'"
rootfs=$("$here/mkrootfs.sh" | tail -n1)
[ -f "$rootfs" ] || die "mkrootfs.sh gave no root file system"
log "kernel $(cat "$kdir/version"), rootfs $rootfs, package $(basename "$deb")"

work=$(mktemp -d "${TMPDIR:-/tmp}/scxd-vm-systemd.XXXXXX")
trap 'rm -rf "$work"' EXIT
ov=$work/overlay
mkdir -p "$ov/tests/guest" "$ov/tests/debs" "$ov/etc/systemd/system/multi-user.target.wants"
cp "$deb" "$ov/tests/debs/"
cp "$top/tests/vm/guest/lib.sh" "$here"/guest/[0-9]*.sh "$ov/tests/guest/"
cp "$here/runner.sh" "$ov/tests/"
printf 'SCXD_TIMEOUT_SCALE=%s\nSCXD_VM_SCRIPT_TIMEOUT=%s\n' "${SCXD_TIMEOUT_SCALE:-2}" \
    "${SCXD_VM_SCRIPT_TIMEOUT:-120}" >"$ov/tests/env"
cp "$here/scxd-vmtest.service" "$ov/etc/systemd/system/"
ln -s ../scxd-vmtest.service "$ov/etc/systemd/system/multi-user.target.wants/scxd-vmtest.service"
# Boot time: a tmpfs root makes every boot a first boot, and these would run each time
# (ldconfig, catalogs, first-boot setup) or only wait for what this guest does not have.
for unit in ldconfig.service systemd-journal-catalog-update.service systemd-update-done.service \
        systemd-firstboot.service systemd-machine-id-commit.service systemd-sysusers.service \
        systemd-random-seed.service systemd-pstore.service systemd-update-utmp.service \
        systemd-update-utmp-runlevel.service systemd-binfmt.service systemd-modules-load.service \
        kmod-static-nodes.service modprobe@.service systemd-tmpfiles-clean.timer \
        dev-hugepages.mount dev-mqueue.mount sys-fs-fuse-connections.mount \
        sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
    ln -s /dev/null "$ov/etc/systemd/system/$unit"
done
# Concatenated newc archives: the kernel unpacks the cached rootfs, then these files on top.
(cd "$ov" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/overlay.cpio"
cat "$rootfs" "$work/overlay.cpio" >"$work/initrd.cpio"

mkdir -p "$log_dir"
stamp=$(date +%Y%m%d-%H%M%S)-$$
append="console=ttyS0 quiet oops=panic panic=-1 rdinit=/sbin/init systemd.show_status=false"
# shellcheck disable=SC2054  # the commas belong to QEMU's option syntax
qemu_cmd=("$qemu" -accel tcg,thread=single -cpu max -smp "${SCXD_VM_SMP:-2}"
          -m "${SCXD_VM_MEM:-2048}" -nographic -no-reboot -nic none
          -kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" -append "$append")

boot() { # LOGFILE: sets boot_rc
    log "booting (limit ${vm_timeout}s), console log: $1"
    set +e
    if [ "${SCXD_VM_STREAM:-1}" = 0 ]; then
        timeout -k 10 "$vm_timeout" "${qemu_cmd[@]}" </dev/null >"$1" 2>&1
        boot_rc=$?
    else
        timeout -k 10 "$vm_timeout" "${qemu_cmd[@]}" </dev/null 2>&1 | tee "$1"
        boot_rc=${PIPESTATUS[0]}
    fi
    set -e
}

judge() { # LOGFILE: 0 pass, 1 test failure, 2 environment failure
    local clean=$work/console.txt n line bad=0
    tr -d '\r' <"$1" >"$clean"
    if grep -Eq 'Oops:|Kernel panic|BUG:|kernel BUG at' "$clean"; then
        log "ENVIRONMENT FAILURE (kernel oops/panic):"
        grep -E 'Oops:|Kernel panic|BUG:|kernel BUG at' "$clean" | head -n 5 | sed 's/^/    /' >&2
        return 2
    fi
    if ! grep -q 'SCXD-VM-DONE' "$clean"; then
        log "ENVIRONMENT FAILURE: no SCXD-VM-DONE (qemu status $boot_rc; 124 = timeout)"
        return 2
    fi
    for n in "${names[@]}"; do
        line=$(grep -F "SCXD-VM-RESULT: $n " "$clean" | tail -n1 || true)
        case "$line" in
            *"SCXD-VM-RESULT: $n PASS"*) log "  PASS  systemd/$n ${line##* PASS }" ;;
            *"SCXD-VM-RESULT: $n FAIL"*) log "  FAIL  systemd/$n ${line##* FAIL }"; bad=1 ;;
            *) log "  FAIL  systemd/$n (no result line)"; bad=1 ;;
        esac
    done
    return "$bad"
}

attempt=0
while :; do
    attempt=$((attempt + 1))
    console=$log_dir/systemd-console-$stamp-$attempt.log
    t0=$(date +%s)
    boot "$console"
    log "boot $attempt took $(( $(date +%s) - t0 ))s (qemu status $boot_rc)"
    rc=0; judge "$console" || rc=$?
    case "$rc" in
        0) log "PASS (${#names[@]} scripts)"; exit 0 ;;
        1) log "TEST FAILURE; console log: $console"; exit 1 ;;
    esac
    [ "$attempt" -le "$retries" ] || { log "ENVIRONMENT FAILURE on every boot; log: $console"; exit 2; }
    log "retrying the whole boot (environment failure, attempt $attempt)"
done
