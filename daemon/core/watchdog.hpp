// A thread that watches the hot thread make passes. A policy stuck in `pick` or `on_enqueue` cannot
// be preempted or unwound (it is foreign code on our stack), so when no pass completes for
// `deadline`, the watchdog calls `on_stall`; the daemon's action writes one line and ends the
// process, and the kernel, which owns the BPF link through our fd, takes every task back at once
// instead of waiting for its own watchdog.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace scxd {

class Watchdog {
public:
    // Called on the watchdog thread, at most once. It must not wait for the hot thread, nor take a
    // lock the hot thread might hold (the logger, malloc's).
    using Action = void (*)(void *ctx, std::chrono::milliseconds stalled);

    Watchdog(std::chrono::milliseconds deadline, Action on_stall, void *ctx);
    Watchdog(const Watchdog &) = delete;
    Watchdog &operator=(const Watchdog &) = delete;
    ~Watchdog(); // stops and joins the thread

    // What the hot thread bumps once per pass (LoopOptions::progress).
    [[nodiscard]] std::atomic<std::uint64_t> &progress() { return progress_; }

private:
    void run();

    std::chrono::milliseconds deadline_;
    Action on_stall_;
    void *ctx_;
    std::atomic<std::uint64_t> progress_{0};
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_; // last: starts after every member it reads exists
};

} // namespace scxd
