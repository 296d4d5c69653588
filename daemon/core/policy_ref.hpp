// A non-owning handle on one policy instance: the ABI's ops table plus its context.
// Ownership (create / destroy / dlclose) lives in daemon/plugin; the loop only calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scxd/policy.h"

namespace scxd {

class PolicyRef {
public:
    PolicyRef() = default;
    PolicyRef(const scxd_policy_ops *ops, void *ctx, std::string_view name)
        : ops_(ops), ctx_(ctx), name_(name)
    {
    }

    [[nodiscard]] bool valid() const { return ops_ != nullptr; }
    [[nodiscard]] std::string_view name() const { return name_; }

    int on_enqueue(const scxd_task &task) const { return ops_->on_enqueue(ctx_, &task); }
    // `out` starts zeroed: a plugin built for an older minor leaves newer members at 0.
    bool pick(scxd_decision &out) const
    {
        DecisionRoom room{};
        if (ops_->pick(ctx_, &room.d) == 0)
            return false;
        out = room.d;
        return true;
    }

    void on_exit(std::int32_t pid) const
    {
        if (has(offsetof(scxd_policy_ops, on_exit)) && ops_->on_exit)
            ops_->on_exit(ctx_, pid);
    }

    [[nodiscard]] std::uint64_t nr_pending() const
    {
        if (has(offsetof(scxd_policy_ops, nr_pending)) && ops_->nr_pending)
            return ops_->nr_pending(ctx_);
        return 0;
    }

private:
    // A plugin built for a newer minor writes a longer decision (members only get appended):
    // give it the room the header promises and ignore what we do not know.
    struct DecisionRoom {
        scxd_decision d;
        std::byte newer[SCXD_DECISION_ROOM - sizeof(scxd_decision)];
    };
    static_assert(sizeof(scxd_decision) <= SCXD_DECISION_ROOM);

    // Members past the plugin's struct_size do not exist in its table.
    [[nodiscard]] bool has(std::size_t member_offset) const
    {
        return member_offset + sizeof(void *) <= ops_->struct_size;
    }

    const scxd_policy_ops *ops_ = nullptr;
    void *ctx_ = nullptr;
    std::string_view name_;
};

} // namespace scxd
