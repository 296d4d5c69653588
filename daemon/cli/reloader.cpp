#include "cli/reloader.hpp"

#include <csignal>
#include <ctime>

#include <spdlog/spdlog.h>

#include "sys/notify.hpp"

namespace scxd {

void block_reload_signal()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Reloader::Reloader(Build build) : build_(std::move(build)), thread_([this] { run(); }) {}

Reloader::~Reloader()
{
    stop_ = true;
    thread_.join();
}

void Reloader::run()
{
    // SIGINT/SIGTERM belong to the hot thread (they must interrupt its poll).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    const timespec tick{0, 200'000'000};
    while (!stop_) {
        if (sigtimedwait(&hup, nullptr, &tick) == SIGHUP)
            reload_once();
        std::lock_guard lock(mu_);
        retired_.reset(); // the old policy's destroy() and dlclose run here, not on the hot thread
    }
}

void Reloader::reload_once()
{
    notify_reloading();
    spdlog::info("reload requested: reading the config again");
    auto next = build_();
    if (!next) {
        spdlog::error("reload failed, keeping the current policy: {}", next.error().message);
        notify_ready("reload failed; policy unchanged");
        return;
    }
    std::lock_guard lock(mu_);
    next_ = std::move(*next);
    ready_ = true;
}

std::unique_ptr<Reloader::Swap> Reloader::take()
{
    if (!ready_.load(std::memory_order_acquire))
        return nullptr;
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock())
        return nullptr; // try again next time; never wait on the hot thread
    ready_ = false;
    return std::move(next_);
}

void Reloader::retire(std::unique_ptr<PolicyInstance> old)
{
    std::unique_lock lock(mu_, std::try_to_lock);
    if (lock.owns_lock() && !retired_) {
        retired_ = std::move(old);
        return;
    }
    old.reset(); // rare: destroy here rather than wait
}

} // namespace scxd
