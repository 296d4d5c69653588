#!/usr/bin/env bash
# Builds (once) the Debian 12 root file system the systemd VM test boots, as an uncompressed
# newc cpio, and prints its path as the last line of stdout. Cached under
# $SCXD_CACHE/rootfs/ (default ~/.cache/scxd/rootfs/); a missing cache only costs time
# (debootstrap from deb.debian.org, a few minutes). Needs root (debootstrap, chroot).
#
# Inside: debootstrap --variant=minbase bookworm with systemd as init, procps, and the
# libraries scxd links (libbpf1 from bookworm-backports, downloaded on the host with
# apt-get download). Not scxd itself: each test run appends its own .deb (tests/vm/systemd/run.sh).
# Units that would only wait or fail without a network, dbus or udev are masked.
set -euo pipefail

prog=mkrootfs.sh
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Bump when the contents below change: a new name is a new cache entry.
name=bookworm-systemd-v1
mirror=${SCXD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${SCXD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scxd}/rootfs
out=$cache/$name.cpio
if [ -f "$out" ] && [ -f "$out.complete" ]; then
    echo "$out"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    # Only the build needs root; the cache stays the caller's (files readable by everyone).
    command -v sudo >/dev/null || die "must run as root (debootstrap, chroot)"
    mkdir -p "$cache"
    exec sudo SCXD_CACHE="$(dirname "$cache")" SCXD_DEBIAN_MIRROR="$mirror" "$0" "$@"
fi
for tool in debootstrap cpio apt-get; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"
done

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

libs=libelf1,zlib1g,libzstd1,libspdlog1.10,libfmt9,libtomlplusplus3,libsystemd0,libstdc++6
log "debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --include="systemd,systemd-sysv,procps,$libs" \
    bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (no mirror?)"; }

# libbpf 1.4 is only in bookworm-backports (scripts/install-deps.sh adds that suite here).
(cd "$work" && apt-get download -q -t bookworm-backports libbpf1) >&2 ||
    die "apt-get download libbpf1 from bookworm-backports failed"
cp "$work"/libbpf1_*.deb "$root/tmp/"
chroot "$root" sh -c 'dpkg -i /tmp/libbpf1_*.deb && rm /tmp/libbpf1_*.deb' >&2

echo scxd-vm >"$root/etc/hostname"
: >"$root/etc/machine-id"
# No consoles to log in on (the test runs as a service), no network, no dbus, no udev.
for unit in getty@tty1.service serial-getty@ttyS0.service systemd-logind.service \
        apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
        fstrim.timer systemd-networkd-wait-online.service systemd-timesyncd.service \
        dpkg-db-backup.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
    "$root"/usr/share/info/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/lib/apt/lists/*_Packages "$root"/var/log/*.log

log "packing $(du -sh "$root" | cut -f1) into $out"
(cd "$root" && find . -xdev | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/rootfs.cpio"
mv "$work/rootfs.cpio" "$out"
touch "$out.complete"
echo "$out"
