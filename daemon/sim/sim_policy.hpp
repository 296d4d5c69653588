// One policy instance created for a simulation: the plugin's own create() and ops, with a
// host table whose clock is the simulation's virtual clock. Parameters and logging are the
// daemon's (plugin/host), so a policy reads the same keys here as under `scxd run`.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/policy_ref.hpp"
#include "core/result.hpp"
#include "plugin/host.hpp"
#include "scxd/policy.h"

namespace scxd::sim {

class SimPolicy {
public:
    // `entry` must stay valid (its .so loaded) while the instance lives; `clock` is read on
    // every now_ns() call.
    static Result<std::unique_ptr<SimPolicy>>
    create(const scxd_policy_entry &entry, const HostConfig &config, const std::uint64_t *clock);
    SimPolicy(const SimPolicy &) = delete;
    SimPolicy &operator=(const SimPolicy &) = delete;
    ~SimPolicy();

    [[nodiscard]] PolicyRef ref() const;
    [[nodiscard]] const std::string &name() const { return name_; }
    // Every key the policy asked for in create(), found or not.
    [[nodiscard]] const std::set<std::string> &queried() const { return queried_; }

private:
    // The plugin gets a pointer to `abi`; the wrappers find what they need next to it.
    struct ClockedHost {
        scxd_host abi;
        const std::uint64_t *clock;
        scxd_host daemon; // the daemon's table, whose param_* the wrappers call
        std::set<std::string> *queried;
    };

    SimPolicy(const scxd_policy_entry &entry, const HostConfig &config, const std::uint64_t *clock);
    static const ClockedHost &self(const scxd_host *host);
    static std::uint64_t virtual_now(const scxd_host *host);
    static void note(const scxd_host *host, const char *key);
    static int param_i64(const scxd_host *host, const char *key, std::int64_t *out);
    static int param_f64(const scxd_host *host, const char *key, double *out);
    static int param_str(const scxd_host *host, const char *key, const char **out);

    const scxd_policy_entry &entry_;
    std::string name_;
    std::unique_ptr<Host> host_; // parameters and log; host_data points at it
    ClockedHost clocked_{};
    std::set<std::string> queried_;
    void *ctx_ = nullptr;
    bool created_ = false;
};

} // namespace scxd::sim
