// The policy the loop falls back to when the configured one holds tasks past its deadline: plain
// FIFO on any CPU, built into the daemon (no dlopen, nothing that can misbehave), so the kernel
// keeps a working scheduler instead of ejecting it. Its queue is allocated once, when the loop is
// built, so falling back allocates nothing on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/policy_ref.hpp"

namespace scxd {

class FallbackFifo {
public:
    explicit FallbackFifo(std::size_t max_tasks);
    FallbackFifo(const FallbackFifo &) = delete;
    FallbackFifo &operator=(const FallbackFifo &) = delete;

    static constexpr const char *name = "builtin-fifo";
    [[nodiscard]] PolicyRef ref() { return PolicyRef(&ops, this, name); }

private:
    static int on_enqueue(void *ctx, const scxd_task *task);
    static int pick(void *ctx, scxd_decision *out);
    static const scxd_policy_ops ops;

    std::vector<scxd_decision> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace scxd
