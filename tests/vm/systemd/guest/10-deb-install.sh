#!/bin/sh
# The scxd .deb installs into a running systemd: the unit is known but neither enabled nor
# started (it would replace the kernel's scheduler), and the config is a conffile.
# shellcheck source=tests/vm/guest/lib.sh
. "$(dirname "$0")/lib.sh"

dpkg -i /tests/debs/scxd_*.deb || fail "dpkg -i scxd_*.deb failed"
assert_eq "$(systemctl is-enabled scxd.service || true)" disabled "scxd.service after install"
assert_eq "$(systemctl is-active scxd.service || true)" inactive "scxd.service after install"
assert_eq "$(sched_ext_state)" disabled "sched_ext state after install"
dpkg-query -W -f='${Conffiles}\n' scxd | grep -q ' */etc/scxd/scxd.toml ' ||
    fail "/etc/scxd/scxd.toml is not a conffile of scxd"
info "installed $(dpkg-query -W -f='${Version}' scxd): disabled, not started"
