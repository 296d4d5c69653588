// systemd's readiness protocol (Type=notify): no-ops when not started by systemd.
#pragma once

#include <string>

namespace scxd {

void notify_ready(const std::string &status);
void notify_reloading();
void notify_status(const std::string &status);
void notify_stopping();
void notify_watchdog();
// True when systemd expects watchdog keep-alives (WatchdogSec=); sets the interval in µs.
bool watchdog_enabled(unsigned long long *usec);

} // namespace scxd
