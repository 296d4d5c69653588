#include "core/watchdog.hpp"

#include <algorithm>

namespace scxd {

Watchdog::Watchdog(std::chrono::milliseconds deadline, Action on_stall, void *ctx)
    : deadline_(deadline), on_stall_(on_stall), ctx_(ctx), thread_([this] { run(); })
{
}

Watchdog::~Watchdog()
{
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
}

void Watchdog::run()
{
    using clock = std::chrono::steady_clock;
    const auto tick = std::max(deadline_ / 8, std::chrono::milliseconds(1));
    std::uint64_t seen = progress_.load(std::memory_order_relaxed);
    clock::duration stalled{0};
    auto last = clock::now();
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, tick, [this] { return stop_; })) {
        const auto now = clock::now();
        // A whole-process stop (SIGSTOP, a suspended VM) stops this thread too: count at most two
        // ticks per wakeup, so only time we watched the hot thread not move adds up.
        const auto elapsed = std::min<clock::duration>(now - last, 2 * tick);
        last = now;
        const std::uint64_t p = progress_.load(std::memory_order_relaxed);
        if (p != seen) {
            seen = p;
            stalled = clock::duration{0};
            continue;
        }
        stalled += elapsed;
        if (stalled >= deadline_) {
            on_stall_(ctx_, std::chrono::duration_cast<std::chrono::milliseconds>(stalled));
            return;
        }
    }
}

} // namespace scxd
