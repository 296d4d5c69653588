// The tasks a policy holds right now: accepted by on_enqueue, not yet returned by pick.
// A fixed open-addressing table keyed by pid, allocated once; insert, find and erase are
// O(1) on average and never allocate, so the loop can afford it for every task. It lets the
// loop reject decisions for tasks the policy does not hold (unknown pid, the same task twice)
// and hand every held task to a new policy on a live swap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "scxd/policy.h"

namespace scxd {

class Custody {
public:
    explicit Custody(std::size_t max_tasks);

    // Record `task` (replacing an older entry of the same pid), held since `since` (any
    // monotonic unit; the loop uses ns). False when full.
    bool insert(const scxd_task &task, std::uint64_t since = 0);
    // The smallest `since` of the held tasks (UINT64_MAX when none). A scan: not per task.
    [[nodiscard]] std::uint64_t oldest_since() const;
    // The held task with this pid, or nullptr.
    [[nodiscard]] const scxd_task *find(std::int32_t pid) const;
    // Forget the task; false when it was not held.
    bool erase(std::int32_t pid);
    // Forget the task and give its latest enqueue's cookie; false when it was not held.
    bool take(std::int32_t pid, std::uint64_t &cookie);

    [[nodiscard]] std::size_t size() const { return size_; }
    void clear();

    // Visit every held task (any order). Not for the hot path.
    // NOLINTNEXTLINE(cppcoreguidelines-missing-std-forward): called once per task, never moved
    template <typename F> void for_each(F &&fn) const
    {
        for (const auto &slot : slots_)
            if (slot.pid > 0)
                fn(slot.task);
    }

private:
    struct Slot {
        std::int32_t pid = 0; // 0: empty
        scxd_task task{};
        std::uint64_t since = 0;
    };
    [[nodiscard]] std::size_t home(std::int32_t pid) const;
    [[nodiscard]] std::size_t probe(std::int32_t pid) const; // slot of pid, or of the empty slot

    std::vector<Slot> slots_;
    std::size_t mask_;
    std::size_t size_ = 0;
    std::size_t capacity_; // at most half the slots: short probe chains
};

} // namespace scxd
