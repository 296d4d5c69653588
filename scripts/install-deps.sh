#!/usr/bin/env bash
# Brings every package scxd needs onto a Debian 12 (bookworm) machine, with apt only.
# Idempotent: safe to run again; it only adds what is missing.
#
#   sudo scripts/install-deps.sh          build + unit tests + VM tests
#
# Why the extra suites (see docs/dependencies.md):
#   bookworm-backports  libbpf 1.4, bpftool 7.5, meson 1.7, catch2 3.7 (bookworm's are too old)
#   trixie-backports    the sched_ext kernels the VM tests boot (downloaded, never installed);
#   sid                 pinned to priority 1 so nothing is ever installed from them.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must run as root (it calls apt-get); try: sudo $0" >&2
    exit 1
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
    echo "install-deps.sh: warning: written for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}" >&2
fi

export DEBIAN_FRONTEND=noninteractive
changed=0

write_if_different() { # path content
    if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
        printf '%s\n' "$2" > "$1"
        changed=1
    fi
}

write_if_different /etc/apt/sources.list.d/scxd-backports.sources "Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

write_if_different /etc/apt/preferences.d/scxd-backports "Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 1

Package: *
Pin: release n=sid
Pin-Priority: 1"

stamp=/var/lib/apt/lists/partial/../.scxd-updated
if [ "$changed" = 1 ] || [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
    apt-get update -q
    touch "$stamp"
fi

backports=(libbpf-dev bpftool meson catch2)
bookworm=(clang-19 llvm-19 libelf-dev zlib1g-dev libzstd-dev pkg-config ninja-build g++ make
          libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libsystemd-dev
          qemu-system-x86 busybox-static cpio zstd rt-tests stress-ng util-linux
          python3 ca-certificates
          debhelper dpkg-dev fakeroot build-essential debootstrap
          libbenchmark-dev strace linux-perf
          libclang-rt-19-dev clang-tidy-19 cppcheck shellcheck)

missing=()
for p in "${backports[@]}" "${bookworm[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# catch2 must be the v3 from backports, libbpf the 1.4 one.
dpkg --compare-versions "$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo 0)" ge 1:1.4 \
    || missing+=(libbpf-dev)
dpkg --compare-versions "$(dpkg-query -W -f='${Version}' catch2 2>/dev/null || echo 0)" ge 3 \
    || missing+=(catch2)

if [ "${#missing[@]}" -gt 0 ]; then
    # Two calls: only the four named packages may come from backports; the rest stay
    # bookworm's own (the versions FACTS.md was verified with).
    apt-get install -y -q --no-install-recommends "${bookworm[@]}"
    apt-get install -y -q --no-install-recommends -t bookworm-backports "${backports[@]}"
fi
echo "install-deps.sh: all build and test dependencies are present"
