#include "sim/sim_policy.hpp"

#include <array>
#include <type_traits>

#include <fmt/format.h>

#include "core/text.hpp"
#include "plugin/plugin.hpp"

namespace scxd::sim {

static_assert(std::is_standard_layout_v<scxd_host>);

SimPolicy::SimPolicy(const scxd_policy_entry &entry, const HostConfig &config,
                     const std::uint64_t *clock)
    : entry_(entry), name_(entry.name), host_(std::make_unique<Host>(entry.name, config))
{
    clocked_.daemon = *host_->abi();
    clocked_.abi = clocked_.daemon;
    clocked_.abi.now_ns = &SimPolicy::virtual_now;
    clocked_.abi.param_i64 = &SimPolicy::param_i64;
    clocked_.abi.param_f64 = &SimPolicy::param_f64;
    clocked_.abi.param_str = &SimPolicy::param_str;
    clocked_.clock = clock;
    clocked_.queried = &queried_;
}

const SimPolicy::ClockedHost &SimPolicy::self(const scxd_host *host)
{
    // abi is the first member of a standard-layout struct: the addresses coincide.
    return *reinterpret_cast<const ClockedHost *>(host);
}

std::uint64_t SimPolicy::virtual_now(const scxd_host *host) { return *self(host).clock; }

void SimPolicy::note(const scxd_host *host, const char *key)
{
    if (key == nullptr)
        return;
    try { // called from the plugin's C code: nothing may propagate through it
        self(host).queried->insert(key);
    } catch (...) { // out of memory: the key only goes unreported as unread
        return;
    }
}

int SimPolicy::param_i64(const scxd_host *host, const char *key, std::int64_t *out)
{
    note(host, key);
    const auto &d = self(host).daemon;
    return d.param_i64(&d, key, out);
}

int SimPolicy::param_f64(const scxd_host *host, const char *key, double *out)
{
    note(host, key);
    const auto &d = self(host).daemon;
    return d.param_f64(&d, key, out);
}

int SimPolicy::param_str(const scxd_host *host, const char *key, const char **out)
{
    note(host, key);
    const auto &d = self(host).daemon;
    return d.param_str(&d, key, out);
}

Result<std::unique_ptr<SimPolicy>> SimPolicy::create(const scxd_policy_entry &entry,
                                                     const HostConfig &config,
                                                     const std::uint64_t *clock)
{
    if (auto st = validate_entry(&entry, entry.name ? entry.name : "policy"); !st)
        return st.error();
    std::unique_ptr<SimPolicy> p(new SimPolicy(entry, config, clock));
    std::array<char, 256> err{};
    const int rc = entry.create(&p->clocked_.abi, &p->ctx_, err.data(), err.size());
    err.back() = '\0';
    if (rc != 0)
        return Error{fmt::format("policy {} failed to start: {}", entry.name,
                                 err[0] ? one_line(err.data()) : "create() returned an error")};
    p->created_ = true;
    return p;
}

SimPolicy::~SimPolicy()
{
    const auto *ops = entry_.ops;
    if (created_ && offsetof(scxd_policy_ops, destroy) + sizeof(void *) <= ops->struct_size &&
        ops->destroy)
        ops->destroy(ctx_);
}

PolicyRef SimPolicy::ref() const { return PolicyRef(entry_.ops, ctx_, name_); }

} // namespace scxd::sim
