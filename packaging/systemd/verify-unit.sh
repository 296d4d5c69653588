#!/bin/sh
# `systemd-analyze verify` on the generated unit, with ExecStart pointing at the built binary
# (verify checks that executables exist; the man pages are not installed yet: --man=no). Usage: verify-unit.sh SYSTEMD_ANALYZE UNIT SCXD
set -eu
analyze=$1 unit=$2 scxd=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/scxd |\1$scxd |" "$unit" >"$tmp/scxd.service"
out=$("$analyze" verify --man=no "$tmp/scxd.service" 2>&1) || { echo "$out"; exit 1; }
# verify also prints problems of unrelated units on some hosts; only ours count.
if echo "$out" | grep -F "scxd.service" | grep -v 'Failed to load\|bus'; then
    exit 1
fi
echo "unit-file: systemd-analyze verify clean"
