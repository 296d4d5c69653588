#include "sys/notify.hpp"

#include <ctime>

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

namespace scxd {
namespace {

unsigned long long monotonic_usec()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
           static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
}

} // namespace

void notify_ready(const std::string &status)
{
    sd_notify(0, fmt::format("READY=1\nSTATUS={}", status).c_str());
}

void notify_reloading()
{
    // Type=notify-reload style: RELOADING=1 with the monotonic time of the request.
    sd_notify(0, fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()).c_str());
}

void notify_status(const std::string &status) { sd_notify(0, ("STATUS=" + status).c_str()); }

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

void notify_watchdog() { sd_notify(0, "WATCHDOG=1"); }

bool watchdog_enabled(unsigned long long *usec)
{
    std::uint64_t v = 0;
    if (sd_watchdog_enabled(0, &v) <= 0)
        return false;
    *usec = v;
    return true;
}

} // namespace scxd
