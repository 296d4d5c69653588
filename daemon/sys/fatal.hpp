// The daemon's last words when a policy takes it down: a crash (SIGSEGV & co.) or a hot thread that
// stopped making passes. Both print one preformatted line naming the policy with nothing but
// write(2), because the process is in an unknown state (a lock of the logger or of malloc may be
// held by the thread that broke), then end the process. The kernel owns the BPF link through our
// fd: when the process dies it unloads the scheduler and every task goes back to its fair class;
// systemd (Restart=on-failure) starts scxd again.
#pragma once

#include <chrono>
#include <string_view>

namespace scxd {

// Exit status when the watchdog found the hot thread stuck (watchdog.hpp).
inline constexpr int exit_policy_stuck = 3;

// The policy the hot thread runs now, for the lines below. Call on the hot thread when it changes
// (start, swap, fallback), never concurrently with itself.
void set_fatal_policy(std::string_view name, std::string_view file);

// SIGSEGV, SIGBUS, SIGILL, SIGFPE: print the line, then die of the same signal (status and core
// dump as without us). Call from the hot thread: it also gives that thread an alternate signal
// stack, so a policy that overflows its stack is reported too.
void install_crash_handler();

// Watchdog action (Watchdog::Action): print the line and _exit(exit_policy_stuck).
[[noreturn]] void exit_stuck(void *ctx, std::chrono::milliseconds stalled);

} // namespace scxd
