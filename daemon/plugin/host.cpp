#include "plugin/host.hpp"

#include <ctime>
#include <type_traits>

#include <spdlog/spdlog.h>

namespace scxd {

Host::Host(std::string policy_name, HostConfig config)
    : policy_name_(std::move(policy_name)), config_(std::move(config))
{
    abi_.struct_size = sizeof(scxd_host);
    abi_.abi_minor = SCXD_POLICY_ABI_MINOR;
    abi_.nr_cpus = config_.nr_cpus;
    abi_.max_tasks = config_.max_tasks;
    abi_.default_slice_ns = config_.default_slice_ns;
    abi_.now_ns = &Host::now_ns;
    abi_.log = &Host::log;
    abi_.param_i64 = &Host::param_i64;
    abi_.param_f64 = &Host::param_f64;
    abi_.param_str = &Host::param_str;
    abi_.host_data = this;
}

const Host &Host::self(const scxd_host *host)
{
    return *static_cast<const Host *>(host->host_data);
}

void Host::note_query(const char *key) const
{
    if (key == nullptr)
        return;
    try { // called from the plugin's C code: nothing may propagate through it
        queried_.insert(key);
        if (config_.queried != nullptr)
            config_.queried->insert(key);
    } catch (...) { // NOLINT(bugprone-empty-catch): out of memory only loses a "did you mean"
    }
}

std::vector<std::string> Host::unqueried_keys() const
{
    return scxd::unqueried_keys(config_.params, queried_);
}

std::vector<std::string> unqueried_keys(const ParamMap &params,
                                        const std::set<std::string> &queried)
{
    std::vector<std::string> out;
    for (const auto &[key, value] : params)
        if (!queried.contains(key))
            out.push_back(key);
    return out;
}

std::uint64_t Host::now_ns(const scxd_host * /*host*/)
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts); // vDSO: no system call
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

void Host::log(const scxd_host *host, scxd_log_level level, const char *msg)
{
    const auto &name = self(host).policy_name();
    const char *text = msg ? msg : "(null)";
    switch (level) {
    case SCXD_LOG_DEBUG: spdlog::debug("policy {}: {}", name, text); break;
    case SCXD_LOG_INFO: spdlog::info("policy {}: {}", name, text); break;
    case SCXD_LOG_WARN: spdlog::warn("policy {}: {}", name, text); break;
    default: spdlog::error("policy {}: {}", name, text); break;
    }
}

namespace {
template <typename T> const char *type_name()
{
    if constexpr (std::is_same_v<T, std::int64_t>)
        return "an integer";
    else if constexpr (std::is_same_v<T, double>)
        return "a number";
    else
        return "a string";
}
} // namespace

template <typename T> int Host::param(const char *key, const T **out) const
{
    if (key == nullptr)
        return 1;
    const auto it = config_.params.find(key);
    if (it == config_.params.end())
        return 1;
    const T *v = std::get_if<T>(&it->second);
    if (v == nullptr) {
        if (config_.type_errors != nullptr)
            config_.type_errors->emplace(key, type_name<T>());
        return -1;
    }
    *out = v;
    return 0;
}

int Host::param_i64(const scxd_host *host, const char *key, std::int64_t *out)
{
    self(host).note_query(key);
    const std::int64_t *v = nullptr;
    const int rc = self(host).param(key, &v);
    if (rc == 0 && out)
        *out = *v;
    return rc;
}

int Host::param_f64(const scxd_host *host, const char *key, double *out)
{
    // An integer is a fine number: accept it before reporting a wrong type.
    const auto &h = self(host);
    h.note_query(key);
    if (key != nullptr) {
        const auto it = h.config_.params.find(key);
        if (it != h.config_.params.end()) {
            if (const auto *i = std::get_if<std::int64_t>(&it->second)) {
                if (out)
                    *out = static_cast<double>(*i);
                return 0;
            }
        }
    }
    const double *v = nullptr;
    const int rc = h.param(key, &v);
    if (rc == 0 && out)
        *out = *v;
    return rc;
}

int Host::param_str(const scxd_host *host, const char *key, const char **out)
{
    self(host).note_query(key);
    const std::string *v = nullptr;
    const int rc = self(host).param(key, &v);
    if (rc == 0 && out)
        *out = v->c_str();
    return rc;
}

} // namespace scxd
