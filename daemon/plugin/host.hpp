// The daemon's side of struct scxd_host: clock, logging and config parameters for a policy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "scxd/policy.h"

namespace scxd {

using ParamValue = std::variant<std::int64_t, double, std::string>;

struct HostConfig {
    std::uint32_t nr_cpus = 1;
    std::uint32_t max_tasks = 8192;
    std::uint64_t default_slice_ns = 5'000'000;
    std::map<std::string, ParamValue> params; // the policy's [policy.<name>] table
};

// Owns a filled-in scxd_host. Its address is stable (heap-held by PolicyInstance), since the
// plugin keeps the pointer.
class Host {
public:
    Host(std::string policy_name, HostConfig config);
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    [[nodiscard]] const scxd_host *abi() const { return &abi_; }
    [[nodiscard]] const std::string &policy_name() const { return policy_name_; }

private:
    static std::uint64_t now_ns(const scxd_host *host);
    static void log(const scxd_host *host, scxd_log_level level, const char *msg);
    static int param_i64(const scxd_host *host, const char *key, std::int64_t *out);
    static int param_f64(const scxd_host *host, const char *key, double *out);
    static int param_str(const scxd_host *host, const char *key, const char **out);
    static const Host &self(const scxd_host *host);
    template <typename T> int param(const char *key, const T **out) const;

    std::string policy_name_;
    HostConfig config_;
    scxd_host abi_{};
};

} // namespace scxd
