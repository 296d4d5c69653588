#!/usr/bin/env bash
# Fetches a Debian kernel that has sched_ext (CONFIG_SCHED_CLASS_EXT=y) into a local cache and
# prints the cache directory as the last line of stdout. That directory then holds:
#   vmlinuz     bootable bzImage (for the QEMU tests)
#   config      the kernel's .config
#   vmlinux     ELF image with the .BTF section (input to `bpftool btf dump`)
#   version     kernel release (uname -r), e.g. 7.3.4+deb13-amd64
#   pkgversion  Debian package version, e.g. 7.3.4-1~bpo13+1
#   suite       the apt suite it was resolved from
#
# Usage:  scripts/fetch-kernel.sh [SUITE | PACKAGE/SUITE]
#   default SUITE is trixie-backports (meta package linux-image-amd64), e.g.
#     dir=$(scripts/fetch-kernel.sh | tail -1)
#     dir=$(scripts/fetch-kernel.sh sid | tail -1)        # needs a sid entry in apt sources
#   SCXD_CACHE  cache root (default ${XDG_CACHE_HOME:-~/.cache}/scxd); kernels go to
#               $SCXD_CACHE/kernel/<release>/
#
# Nothing is installed: the .debs are only downloaded (apt-get download) and unpacked.
# A complete cache entry is reused without any network access. apt-get update is run only
# when apt cannot resolve the meta package (e.g. fresh machine without apt lists).
set -euo pipefail

prog=fetch-kernel.sh
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }

spec=${1:-trixie-backports}
case "$spec" in
    */*) meta=${spec%%/*}; suite=${spec#*/} ;;
    *)   meta=linux-image-amd64; suite=$spec ;;
esac
if [ -z "$meta" ] || [ -z "$suite" ]; then
    die "bad argument '$spec' (want SUITE or PACKAGE/SUITE)"
fi

cache_root=${SCXD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scxd}
kcache=$cache_root/kernel
mkdir -p "$kcache"
# Remembers the last release resolved for this suite, so that a populated cache still works
# when apt cannot resolve anything (e.g. a CI cache restored onto a machine without apt lists).
pointer=$kcache/current-${meta}-${suite//\//_}

for tool in apt-cache apt-get dpkg-deb zstd python3; do
    command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-deps.sh)"
done

# Prints the kernel release X for which META/SUITE depends on linux-image-X (empty if none).
resolve_release() {
    # apt-cache prints just "<pkg>" and exits 0 for an unknown release, so parse, don't trust rc.
    # It exits 100 when there are no lists at all; that is "unresolved" too, not an error.
    { apt-cache depends "$meta/$suite" 2>/dev/null || true; } |
        sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n1
}

apt_update() {
    log "apt cannot resolve $meta/$suite; running apt-get update"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -q >&2
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n apt-get update -q >&2
    else
        die "cannot run apt-get update (not root, no passwordless sudo); run scripts/install-deps.sh"
    fi
}

release=$(resolve_release)
if [ -z "$release" ] && [ -s "$pointer" ] && [ -f "$kcache/$(cat "$pointer")/.complete" ]; then
    release=$(cat "$pointer")
    log "warning: apt cannot resolve $meta/$suite; using cached kernel $release"
fi
if [ -z "$release" ]; then
    apt_update
    release=$(resolve_release)
    [ -n "$release" ] || die "apt cannot resolve $meta/$suite (is '$suite' in the apt sources? see scripts/install-deps.sh)"
fi

dest=$kcache/$release
if [ -f "$dest/.complete" ]; then
    printf '%s\n' "$release" > "$pointer"
    log "using cached kernel $release"
    printf '%s\n' "$dest"
    exit 0
fi
if [ -e "$dest" ]; then
    # Only a complete entry is ever renamed into place, so this is debris from something else.
    log "removing incomplete cache entry $dest"
    rm -rf "$dest"
fi

work=$(mktemp -d "$kcache/.tmp.$release.XXXXXX")
trap 'rm -rf "$work"' EXIT
# As root, apt-get download drops to the _apt user, which cannot reach a cache under /root.
dl_opts=()
[ "$(id -u)" -ne 0 ] || dl_opts=(-o APT::Sandbox::User=root)

# Since 7.x Debian splits linux-image-X into linux-binary-X (vmlinuz) and linux-base-X (config,
# System.map); older kernels ship everything in linux-image-X itself. Fetch whichever exist.
deps=$({ apt-cache depends "linux-image-$release/$suite" 2>/dev/null || true; } |
       sed -n 's/^ *Depends: \(linux-\(binary\|base\)-[^ ]*\)$/\1/p' | grep -F -- "-$release" | sort -u || true)
[ -n "$deps" ] || deps=linux-image-$release
pkgs=()
for p in $deps; do pkgs+=("$p/$suite"); done

log "downloading ${pkgs[*]}"
(cd "$work" && apt-get download -q "${dl_opts[@]}" "${pkgs[@]}" >&2) || die "apt-get download ${pkgs[*]} failed"
mkdir "$work/root"
debs=("$work"/*.deb)
for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$work/root"
done

find_one() { # first existing path among the arguments
    local f
    for f in "$@"; do [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }; done
    return 1
}
r=$work/root
vmlinuz=$(find_one "$r/usr/lib/modules/$release/vmlinuz" "$r/boot/vmlinuz-$release") ||
    die "no vmlinuz for $release in ${pkgs[*]}"
config=$(find_one "$r/usr/lib/modules/$release/config" "$r/boot/config-$release") ||
    die "no config for $release in ${pkgs[*]}"

grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$config" ||
    die "kernel $release ($suite) lacks CONFIG_SCHED_CLASS_EXT=y; it cannot run sched_ext"
grep -qx 'CONFIG_DEBUG_INFO_BTF=y' "$config" ||
    die "kernel $release ($suite) lacks CONFIG_DEBUG_INFO_BTF=y"

out=$work/out
mkdir "$out"
cp "$vmlinuz" "$out/vmlinuz"
cp "$config" "$out/config"

# bzImage: the compressed kernel sits at payload_offset (setup header 0x248) from the start of
# the protected-mode code ((setup_sects+1)*512), payload_length (0x24c) bytes long; the kernel
# build appends the uncompressed size as 4 LE bytes, which zstd would call trailing garbage.
# If the header looks wrong, fall back to the first zstd magic 28 b5 2f fd.
python3 - "$out/vmlinuz" "$work/payload.zst" <<'EOF' || die "cannot locate the zstd payload in vmlinuz"
import struct, sys
d = open(sys.argv[1], "rb").read()
magic = b"\x28\xb5\x2f\xfd"
start = end = None
if d[0x202:0x206] == b"HdrS":
    setup_sects = d[0x1f1] or 4
    off, length = struct.unpack_from("<II", d, 0x248)
    s = (setup_sects + 1) * 512 + off
    if d[s:s + 4] == magic and s + length <= len(d):
        start, end = s, s + length - 4
if start is None:
    start = d.find(magic)
    if start < 0:
        sys.exit("no zstd magic in vmlinuz (not a zstd-compressed kernel?)")
    end = len(d)
    print("fetch-kernel.sh: warning: bzImage header unusable, decompressing from first zstd magic",
          file=sys.stderr)
open(sys.argv[2], "wb").write(d[start:end])
EOF
# Trailing bytes only happen in the fallback path; judge the result by what comes out.
zstd -q -d -c "$work/payload.zst" > "$out/vmlinux" 2>"$work/zstd.err" ||
    log "note: zstd: $(cat "$work/zstd.err")"
rm -f "$work/payload.zst"
[ "$(head -c4 "$out/vmlinux" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] ||
    die "decompressed payload is not an ELF file"
if command -v readelf >/dev/null; then
    # Not `readelf | grep -q`: grep quits at the match, readelf then dies of SIGPIPE and
    # pipefail turns the match into a failure (seen on a fresh machine).
    sections=$(readelf -S -W "$out/vmlinux")
    grep -q ' \.BTF ' <<<"$sections" || die "vmlinux has no .BTF section"
fi

printf '%s\n' "$release" > "$out/version"
printf '%s\n' "$suite" > "$out/suite"
dpkg-deb -f "${debs[0]}" Version > "$out/pkgversion"
touch "$out/.complete"

# Atomic publish: a concurrent run may have won the race; then keep its copy.
if ! mv -T "$out" "$dest" 2>/dev/null; then
    [ -f "$dest/.complete" ] || die "cannot move $out to $dest"
    log "another run populated $dest first; using it"
fi
printf '%s\n' "$release" > "$pointer"
log "kernel $release ($(cat "$dest/pkgversion"), $suite) cached in $dest"
printf '%s\n' "$dest"
