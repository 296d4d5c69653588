#include "sys/fatal.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

#include <fmt/format.h>

namespace scxd {
namespace {

// Two buffers: the hot thread fills the one a signal handler cannot be reading, then flips.
struct PolicyLine {
    std::array<char, 512> text{};
    std::size_t len = 0;
};
std::array<PolicyLine, 2> g_lines;
std::atomic<int> g_current{-1};

// Alternate stack for the hot thread: a stack overflow in a policy still gets its line.
alignas(16) std::array<char, std::size_t{64} * 1024> g_alt_stack;

const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};

void write_all(const char *p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(STDERR_FILENO, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void write_str(const char *s) { write_all(s, std::strlen(s)); }

void write_policy()
{
    const int i = g_current.load(std::memory_order_acquire);
    if (i < 0)
        write_str("no policy yet");
    else
        write_all(g_lines[static_cast<std::size_t>(i)].text.data(),
                  g_lines[static_cast<std::size_t>(i)].len);
}

const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    default: return "a fatal signal";
    }
}

extern "C" void on_crash(int sig)
{
    // Only async-signal-safe calls from here on.
    write_str("scxd: error: ");
    write_str(signal_name(sig));
    write_str(" in the daemon while running ");
    write_policy();
    write_str("; the kernel takes every task back to its own scheduler\n");
    ::signal(sig,
             SIG_DFL); // SA_RESETHAND did this too; be sure before re-raising
    ::raise(sig);
}

} // namespace

void set_fatal_policy(std::string_view name, std::string_view file)
{
    const int next = g_current.load(std::memory_order_relaxed) == 0 ? 1 : 0;
    auto &line = g_lines[static_cast<std::size_t>(next)];
    const auto r =
        fmt::format_to_n(line.text.data(), line.text.size(), "policy {} ({})", name, file);
    line.len = std::min(r.size, line.text.size());
    g_current.store(next, std::memory_order_release);
}

void install_crash_handler()
{
    stack_t ss{};
    ss.ss_sp = g_alt_stack.data();
    ss.ss_size = g_alt_stack.size();
    ::sigaltstack(&ss, nullptr);
    struct sigaction sa {};
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
    for (const int sig : crash_signals)
        ::sigaction(sig, &sa, nullptr);
}

void exit_stuck(void * /*ctx*/, std::chrono::milliseconds stalled)
{
    // Formatted into the stack: no allocation, no lock (the stuck thread may hold malloc's).
    std::array<char, 96> ms{};
    const auto r = fmt::format_to_n(ms.data(), ms.size() - 1, "{}", stalled.count());
    write_str("scxd: error: the scheduling thread made no progress for ");
    write_all(ms.data(), std::min(r.size, ms.size() - 1));
    write_str(" ms, stuck in ");
    write_policy();
    write_str(": exiting so the kernel takes every task back (a policy must not block or spin "
              "in pick or on_enqueue)\n");
    ::_exit(exit_policy_stuck);
}

} // namespace scxd
