#!/bin/sh
# Runs in the guest as scxd-vmtest.service (systemd is PID 1): every /tests/guest/NN-*.sh in
# turn, with the SCXD-VM-* lines tests/vm/systemd/run.sh judges, then powers off.
# shellcheck disable=SC1091  # written by run.sh into the initramfs
. /tests/env
echo "SCXD-VM-BOOT: kernel $(uname -r), $(nproc) cpus, $(systemctl --version | head -n1)," \
    "uptime $(cut -d' ' -f1 /proc/uptime)s, $(systemctl is-system-running || true)"
for script in /tests/guest/[0-9]*.sh; do
    name=$(basename "$script")
    echo "SCXD-VM-START: $name"
    t0=$(date +%s)
    (cd /tmp && exec timeout "$SCXD_VM_SCRIPT_TIMEOUT" sh "$script") </dev/null
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    if [ "$rc" -eq 0 ]; then
        echo "SCXD-VM-RESULT: $name PASS (${secs}s)"
    else
        echo "---- journalctl -u scxd ----"
        journalctl -u scxd.service -n 30 --no-pager -o short-monotonic
        echo "SCXD-VM-RESULT: $name FAIL (rc=$rc, ${secs}s)"
    fi
done
echo "SCXD-VM-DONE"
# Nothing to save (the root is a tmpfs): power off at once, QEMU exits.
echo o >/proc/sysrq-trigger
