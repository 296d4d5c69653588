#!/usr/bin/env bash
# Builds the uncompressed newc initramfs for the scxd VM tests (called by tests/vm/run.sh).
#
# Usage:  tests/vm/mkinitramfs.sh BUILD_DIR OUT.cpio GUEST_SCRIPT...
#
# Guest layout (merged /usr, busybox-static applets as symlinks):
#   /init                         runs every GUEST_SCRIPT, prints SCXD-VM-RESULT/SCXD-VM-DONE
#   `meson install --destdir` of BUILD_DIR: scxd on PATH, policies in its compiled-in dir
#   /usr/bin/{hackbench,stress-ng,taskset,bpftool}  host binaries + their ldd libraries
#   /tests/guest/                 lib.sh and the guest scripts;  /tests/env  settings for them
#
# Environment:
#   SCXD_VM_EXTRA_BINS        more host binaries to copy (space separated, path or command name)
#   SCXD_VM_SCRIPT_TIMEOUT    per-script in-guest time limit in s (default 300; run.sh sets it)
#   SCXD_TIMEOUT_SCALE        factor lib.sh applies to its timeouts (default 2: slow TCG guest)
set -euo pipefail

# ---- guest layout: adjust here -------------------------------------------------------------
GUEST_TEST_DIR=/tests
TOOLS=(hackbench stress-ng taskset bpftool)   # optional: warn if absent on the host
# ---------------------------------------------------------------------------------------------

prog=mkinitramfs.sh
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
warn() { log "warning: $*"; }
die() { log "error: $*"; exit 1; }

[ $# -ge 3 ] || die "usage: $0 BUILD_DIR OUT.cpio GUEST_SCRIPT..."
build_dir=$1; out=$2; shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in cpio ldd find; do command -v "$tool" >/dev/null || die "'$tool' not found"; done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
# A dynamic busybox would need its libraries before anything else works; insist on the static one.
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/scxd-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Merged-/usr layout like the host, so library paths reported by ldd can be kept verbatim.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,run,tmp,etc,root,mnt}
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

cp "$busybox" "$root/usr/bin/busybox"
while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    ln -sf /usr/bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

# copy_with_path SRC [DEST]: copy following symlinks, DEST defaults to SRC's own path.
copy_with_path() {
    local src=$1 dest=${2:-$1}
    mkdir -p "$root$(dirname "$dest")"
    rm -f "$root$dest"          # may be a busybox applet symlink
    cp -L "$src" "$root$dest"
}

# copy_libs ELF: copy every library ldd resolves for ELF (and the loader) at its host path.
copy_libs() {
    local line lib
    ldd "$1" >/dev/null 2>&1 || return 0     # static, or not an ELF ldd understands
    while read -r line; do
        case "$line" in
            *"=> not found"*) warn "$1 needs ${line%% *}, not found on the host" ;;
            *"=> /"*) lib=${line#*=> }; lib=${lib%% (*}; [ -e "$root$lib" ] || copy_with_path "$lib" ;;
            /*) lib=${line%% (*}; [ -e "$root$lib" ] || copy_with_path "$lib" ;;
        esac
    done < <(ldd "$1")
}

install_bin() { # HOST_PATH GUEST_PATH
    copy_with_path "$1" "$2"
    chmod 755 "$root$2"
    copy_libs "$1"
}

# The daemon and its policy plugins, exactly as `meson install` lays them out (so the VM also
# tests the install layout and the compiled-in policy directory). Nothing installed is a
# warning, so the harness can be smoke-tested before anything is built.
ndaemon=0 npol=0
if [ -f "$build_dir/meson-private/install.dat" ]; then
    meson install -C "$build_dir" --destdir "$root" --no-rebuild --quiet >/dev/null ||
        die "meson install into the initramfs failed"
    while IFS= read -r -d '' f; do
        copy_libs "$f"
        case "$f" in
            */bin/scxd) ndaemon=1 ;;
            */scxd/policies/*.so) npol=$((npol + 1)) ;;
        esac
    done < <(find "$root/usr/local" "$root/usr/lib" -type f \( -name scxd -o -name '*.so' \) -print0 2>/dev/null)
fi
# The SDK's example policy, built out of tree against what was just installed (pkg-config
# only) and installed into the policy directory, as a policy author would.
if [ "$ndaemon" = 1 ] && command -v make >/dev/null && command -v pkg-config >/dev/null; then
    pc=$(find "$root" -name scxd-policy.pc -path '*/pkgconfig/*' | head -n 1)
    if [ -n "$pc" ]; then
        ex=$(mktemp -d "${TMPDIR:-/tmp}/scxd-example.XXXXXX")
        sed "s|^prefix=|prefix=$root|" "$pc" >"$ex/scxd-policy.pc"
        cp -R "$here/../../examples/minimal-c" "$ex/src"
        if PKG_CONFIG_LIBDIR=$ex PKG_CONFIG_PATH='' make -s -C "$ex/src" >"$ex/log" 2>&1; then
            policydir=$(PKG_CONFIG_LIBDIR=$ex PKG_CONFIG_PATH='' pkg-config --variable=policydir scxd-policy)
            install -D -m 0644 "$ex/src/wakeup-first.so" "$policydir/wakeup-first.so"
        else
            warn "examples/minimal-c did not build against the installed SDK: $(tail -3 "$ex/log")"
        fi
        rm -rf "$ex"
    fi
fi

# Test helpers built with the project (tests/vm/meson.build).
for t in "$build_dir"/tests/vm/sched-ext-run "$build_dir"/tests/vm/spin "$build_dir"/tests/vm/run-as-uid \
    "$build_dir"/tests/vm/forkrate "$build_dir"/tests/vm/ticker "$build_dir"/tests/vm/pingpong \
    "$build_dir"/tests/vm/wakestorm; do
    [ -f "$t" ] && install_bin "$t" "/usr/bin/$(basename "$t")"
done
# Fixture plugins the fault tests load by path (tests/fixtures), root-owned (cpio -R 0:0) and
# not writable by others, like an installed plugin: they must pass the daemon's trust check.
for f in spin_pick hoard crash_enqueue; do
    [ -f "$build_dir/tests/$f.so" ] &&
        install -D -m 0644 "$build_dir/tests/$f.so" "$root$GUEST_TEST_DIR/fixtures/$f.so"
done
[ "$ndaemon" = 1 ] || warn "no scxd installed from $build_dir (not built yet?)"
[ "$npol" -gt 0 ] || warn "no policy plugins installed from $build_dir"

# shellcheck disable=SC2206  # word splitting of the extra list is intended
tools=("${TOOLS[@]}" ${SCXD_VM_EXTRA_BINS:-})
for t in "${tools[@]}"; do
    p=$(command -v "$t" || true)
    if [ -z "$p" ]; then warn "$t not found on the host; not in the guest"; continue; fi
    install_bin "$p" "/usr/bin/$(basename "$p")"
done

# Minimal /etc so tools that look up users or hosts do not trip.
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf '127.0.0.1 localhost\n' > "$root/etc/hosts"

# Guest scripts: all go into one directory next to lib.sh so they can `. "$(dirname "$0")/lib.sh"`.
gdir=$root$GUEST_TEST_DIR/guest
mkdir -p "$gdir"
cp "$here/guest/lib.sh" "$gdir/lib.sh"
: > "$root$GUEST_TEST_DIR/list"
for s in "$@"; do
    [ -f "$s" ] || die "guest script $s not found"
    name=$(basename "$s")
    [ "$name" != lib.sh ] || die "lib.sh is not a test"
    cp "$s" "$gdir/$name"
    printf '%s\n' "$name" >> "$root$GUEST_TEST_DIR/list"
done

cat > "$root$GUEST_TEST_DIR/env" <<EOF
SCXD_VM=1
SCXD_TEST_DIR=$GUEST_TEST_DIR
SCXD_TIMEOUT_SCALE=${SCXD_TIMEOUT_SCALE:-2}
SCXD_VM_SCRIPT_TIMEOUT=${SCXD_VM_SCRIPT_TIMEOUT:-300}
export SCXD_VM SCXD_TEST_DIR SCXD_TIMEOUT_SCALE SCXD_VM_SCRIPT_TIMEOUT
EOF

# /init runs as PID 1: it must never exit (that panics the kernel), so no `set -e` here, and it
# always ends in poweroff. The console markers are parsed by tests/vm/run.sh.
cat > "$root/init" <<'EOF'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# Optional extras: only for debugging and for tools that expect them.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ip link set lo up 2>/dev/null
. /tests/env

echo "SCXD-VM-BOOT: kernel $(uname -r), $(nproc) cpus, uptime $(cut -d' ' -f1 /proc/uptime)s"
while read -r name; do
    [ -n "$name" ] || continue
    echo "SCXD-VM-START: $name"
    start=$(cut -d' ' -f1 /proc/uptime)
    (cd /tmp && exec timeout "$SCXD_VM_SCRIPT_TIMEOUT" sh "/tests/guest/$name") < /dev/null
    rc=$?
    end=$(cut -d' ' -f1 /proc/uptime)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -eq 0 ]; then
        echo "SCXD-VM-RESULT: $name PASS (${secs}s)"
    else
        # busybox timeout exits 143 (SIGTERM) when the limit hits.
        [ "$rc" -eq 143 ] && echo "$name: killed after ${SCXD_VM_SCRIPT_TIMEOUT}s"
        echo "SCXD-VM-RESULT: $name FAIL (rc=$rc, ${secs}s)"
    fi
    # Scripts are independent: kill whatever one left behind (a daemon, load generators, or
    # children of a timed-out script). kill -1 from PID 1 reaches every process but init.
    kill -KILL -1 2>/dev/null
    # Killing scxd closes its struct_ops link, which unloads the BPF scheduler; wait for that
    # so the next script starts from `disabled`.
    n=0
    while [ "$(cat /sys/kernel/sched_ext/state 2>/dev/null || echo disabled)" != disabled ] && [ "$n" -lt 600 ]; do
        sleep 0.1; n=$((n + 1))
    done
    [ "$n" -lt 600 ] || echo "$name: warning: sched_ext still $(cat /sys/kernel/sched_ext/state) after 60s"
done < /tests/list
echo "SCXD-VM-DONE"
sync
poweroff -f
# Not reached unless poweroff failed; with -no-reboot QEMU exits on the reboot request.
echo b > /proc/sysrq-trigger
sleep 3600
EOF
chmod 755 "$root/init"

# newc, uncompressed: the Debian kernel rejected a gzip'd archive here ("junk at the end").
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out.tmp"
mv -f "$out.tmp" "$out"
log "wrote $out ($(du -h "$out" | cut -f1), scxd: $ndaemon, $npol policies)"
