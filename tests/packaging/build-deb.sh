#!/usr/bin/env bash
# Builds the Debian packages from packaging/debian/ in a clean copy of the tree (tracked and
# new files, nothing ignored, so no build directories) and checks what they contain.
#
# Usage: tests/packaging/build-deb.sh [OUT_DIR]
#   OUT_DIR  where the .deb files are copied (for the systemd VM test); default: none kept
# Environment:
#   SCXD_DEB_BUILD_OPTIONS  DEB_BUILD_OPTIONS (default "nocheck noopt nostrip": -O0, no dbgsym
#                           and no unit tests, which run elsewhere in the same CI job, to keep
#                           it cheap; "" builds as a release does, unit tests included)
#   SCXD_DEB_LINTIAN=1      also run lintian (informational, never fails the test)
#
# Prints "build-deb.sh: PASS|FAIL what" per check; exit 0 only when every check passed.
set -euo pipefail

prog=build-deb.sh
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out_dir=${1:-}
for tool in dpkg-buildpackage dpkg-deb dh; do
    command -v "$tool" >/dev/null ||
        { echo "$prog: FAIL $tool not found (run scripts/install-deps.sh)"; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/scxd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/scxd
mkdir "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    # The working state, uncommitted edits included, but none of the ignored build trees.
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        tar -C "$top" --null -T - --ignore-failed-read -cf - | tar -C "$src" -xf -
else
    tar -C "$top" --exclude='./build*' -cf - . | tar -C "$src" -xf -
fi
cp -a "$src/packaging/debian" "$src/debian"

echo "$prog: building in $src (DEB_BUILD_OPTIONS=${SCXD_DEB_BUILD_OPTIONS-nocheck noopt nostrip})"
if ! (cd "$src" && DEB_BUILD_OPTIONS="${SCXD_DEB_BUILD_OPTIONS-nocheck noopt nostrip} parallel=2" \
        dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log"
    echo "$prog: FAIL dpkg-buildpackage (log above)"
    exit 1
fi
echo "$prog: PASS dpkg-buildpackage"

failed=0
check() { # what command...
    local what=$1; shift
    if "$@"; then echo "$prog: PASS $what"; else echo "$prog: FAIL $what"; failed=1; fi
}
deb_of() { ls "$work"/"$1"_*_amd64.deb 2>/dev/null | head -n1; }
main=$(deb_of scxd)
dev=$(deb_of scxd-dev)
check "scxd and scxd-dev .debs exist" test -f "$main" -a -f "$dev"
[ "$failed" = 0 ] || exit 1

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
has_files() { # deb path...
    local deb=$1 list missing=0 p; shift
    list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||')
    for p in "$@"; do
        grep -qxF -- "$p" <<<"$list" || { echo "$prog:   missing $p in $(basename "$deb")"; missing=1; }
    done
    return "$missing"
}
policydir=/usr/lib/$multiarch/scxd/policies
check "scxd: binary, policies, unit, config, man pages" has_files "$main" \
    /usr/bin/scxd "$policydir/fifo.so" "$policydir/vruntime.so" "$policydir/weighted.so" \
    /lib/systemd/system/scxd.service /etc/scxd/scxd.toml \
    /usr/share/scxd/scxd.toml.example /usr/share/man/man8/scxd.8.gz \
    /usr/share/man/man5/scxd.toml.5.gz
check "scxd-dev: headers, pkg-config, simulator" has_files "$dev" \
    /usr/include/scxd/policy.h /usr/include/scxd/policy.hpp \
    "/usr/lib/$multiarch/pkgconfig/scxd-policy.pc" /usr/bin/scxd-sim

dpkg-deb -x "$main" "$work/root"
dpkg-deb -e "$main" "$work/control"
check "/etc/scxd/scxd.toml is a conffile" grep -qxF /etc/scxd/scxd.toml "$work/control/conffiles"
check "scxd looks policies up in $policydir" grep -qF "$policydir" "$work/root/usr/bin/scxd"
check "the unit runs /usr/bin/scxd with /etc/scxd/scxd.toml" grep -qxF \
    'ExecStart=/usr/bin/scxd run --config /etc/scxd/scxd.toml' \
    "$work/root/lib/systemd/system/scxd.service"
# Installed, not enabled: dh_installsystemd --no-enable re-enables only a unit the admin had
# enabled before ("debian-installed" guard); a new install stays disabled, and
# deb-systemd-invoke does not start a disabled unit (tests/vm/systemd/ checks the behaviour).
check "postinst does not enable the unit on a new install" \
    grep -q "deb-systemd-helper debian-installed 'scxd.service'" "$work/control/postinst"
check "the packaged scxd runs (--version)" \
    bash -c "'$work/root/usr/bin/scxd' --version | grep -qx 'scxd [0-9.]*'"

if [ "${SCXD_DEB_LINTIAN:-0}" = 1 ] && command -v lintian >/dev/null; then
    lintian "$work"/*.changes || true
fi
if [ -n "$out_dir" ]; then
    mkdir -p "$out_dir"
    rm -f "$out_dir"/scxd*.deb
    cp "$main" "$dev" "$out_dir"/
    echo "$prog: packages in $out_dir"
fi
exit "$failed"
