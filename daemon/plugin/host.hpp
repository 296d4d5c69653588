// The daemon's side of struct scxd_host: clock, logging and config parameters for a policy.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "scxd/policy.h"

namespace scxd {

using ParamValue = std::variant<std::int64_t, double, std::string>;
using ParamMap = std::map<std::string, ParamValue>;

struct HostConfig {
    std::uint32_t nr_cpus = 1;
    std::uint32_t max_tasks = 8192;
    std::uint64_t default_slice_ns = 5'000'000;
    std::map<std::string, ParamValue> params; // the policy's [policy.<name>] table
    // When set, also receives every key the policy asks for (see Host::queried_keys): the
    // caller may not hold the Host, only the PolicyInstance that owns it.
    std::set<std::string> *queried = nullptr;
    // When set, receives key -> expected type ("an integer", ...) for every param_* call that
    // found the key with another type. The caller reports it as one line; the host never logs.
    std::map<std::string, std::string> *type_errors = nullptr;
};

// Keys of `params` that are not in `queried`, sorted: a config key the policy never read is
// a typo or a parameter of another version of the policy.
std::vector<std::string> unqueried_keys(const ParamMap &params,
                                        const std::set<std::string> &queried);

// Owns a filled-in scxd_host. Its address is stable (heap-held by PolicyInstance), since the
// plugin keeps the pointer.
class Host {
public:
    Host(std::string policy_name, HostConfig config);
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    [[nodiscard]] const scxd_host *abi() const { return &abi_; }
    [[nodiscard]] const std::string &policy_name() const { return policy_name_; }
    // Every key the policy asked for with param_*, found or not.
    [[nodiscard]] const std::set<std::string> &queried_keys() const { return queried_; }
    [[nodiscard]] std::vector<std::string> unqueried_keys() const;

private:
    static std::uint64_t now_ns(const scxd_host *host);
    static void log(const scxd_host *host, scxd_log_level level, const char *msg);
    static int param_i64(const scxd_host *host, const char *key, std::int64_t *out);
    static int param_f64(const scxd_host *host, const char *key, double *out);
    static int param_str(const scxd_host *host, const char *key, const char **out);
    static const Host &self(const scxd_host *host);
    template <typename T> int param(const char *key, const T **out) const;
    void note_query(const char *key) const;

    std::string policy_name_;
    HostConfig config_;
    scxd_host abi_{};
    mutable std::set<std::string> queried_; // written from create() only, never the hot path
};

} // namespace scxd
