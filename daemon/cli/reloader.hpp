// Live policy swap: on SIGHUP (systemctl reload) a thread of its own re-reads the config,
// loads the plugin and creates the new policy instance, all off the hot thread; the hot thread
// only takes the finished instance between two passes (take()) and swaps it in. An invalid
// config or plugin is logged and the old policy keeps running.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "core/result.hpp"
#include "plugin/plugin.hpp"

namespace scxd {

class Reloader {
public:
    // A checked, ready-to-run policy and where it came from.
    struct Swap {
        std::shared_ptr<Plugin> plugin;
        Config config;
        std::unique_ptr<PolicyInstance> policy;
    };
    // Builds the new instance from the current config; runs on the reload thread.
    using Build = std::function<Result<std::unique_ptr<Swap>>()>;

    // SIGHUP must already be blocked in every thread (block_reload_signal() before any thread
    // starts), so that only this thread's sigtimedwait sees it.
    explicit Reloader(Build build);
    Reloader(const Reloader &) = delete;
    Reloader &operator=(const Reloader &) = delete;
    ~Reloader();

    // Hot thread: the new policy when one is ready, else null. Never blocks.
    std::unique_ptr<Swap> take();
    // Hot thread: hand over the replaced instance; it is destroyed on the reload thread.
    void retire(std::unique_ptr<PolicyInstance> old);

private:
    void run();
    void reload_once();

    Build build_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> ready_{false}; // cheap check before take() touches the mutex
    std::mutex mu_;
    std::unique_ptr<Swap> next_;
    std::unique_ptr<PolicyInstance> retired_;
    std::thread thread_;
};

// Block SIGHUP in the calling thread and every thread it creates afterwards.
void block_reload_signal();

} // namespace scxd
