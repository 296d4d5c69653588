#include "core/custody.hpp"

namespace scxd {
namespace {

std::size_t slots_for(std::size_t max_tasks)
{
    std::size_t n = 64;
    while (n < 2 * max_tasks)
        n <<= 1;
    return n;
}

} // namespace

Custody::Custody(std::size_t max_tasks)
    : slots_(slots_for(max_tasks)), mask_(slots_.size() - 1), capacity_(slots_.size() / 2)
{
}

std::size_t Custody::home(std::int32_t pid) const
{
    // Fibonacci hashing: pids are dense and sequential, so spread them.
    return static_cast<std::size_t>((static_cast<std::uint64_t>(pid) * 0x9E3779B97F4A7C15ULL) >>
                                    32) &
           mask_;
}

std::size_t Custody::probe(std::int32_t pid) const
{
    std::size_t i = home(pid);
    while (slots_[i].pid != 0 && slots_[i].pid != pid)
        i = (i + 1) & mask_;
    return i;
}

bool Custody::insert(const scxd_task &task, std::uint64_t since)
{
    const std::size_t i = probe(task.pid);
    if (slots_[i].pid == 0) {
        if (size_ == capacity_)
            return false;
        ++size_;
    }
    slots_[i].pid = task.pid;
    slots_[i].task = task;
    slots_[i].since = since;
    return true;
}

std::uint64_t Custody::oldest_since() const
{
    std::uint64_t oldest = UINT64_MAX;
    for (const auto &slot : slots_)
        if (slot.pid > 0 && slot.since < oldest)
            oldest = slot.since;
    return oldest;
}

const scxd_task *Custody::find(std::int32_t pid) const
{
    if (pid <= 0)
        return nullptr;
    const std::size_t i = probe(pid);
    return slots_[i].pid == pid ? &slots_[i].task : nullptr;
}

bool Custody::erase(std::int32_t pid)
{
    if (pid <= 0)
        return false;
    std::size_t i = probe(pid);
    if (slots_[i].pid != pid)
        return false;
    // Backward-shift deletion: keep every probe chain unbroken without tombstones.
    for (std::size_t j = (i + 1) & mask_; slots_[j].pid != 0; j = (j + 1) & mask_) {
        const std::size_t h = home(slots_[j].pid);
        // Move j into the hole at i when its home is not in the cyclic range (i, j].
        const bool in_range = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
        if (!in_range) {
            slots_[i] = slots_[j];
            i = j;
        }
    }
    slots_[i].pid = 0;
    --size_;
    return true;
}

void Custody::clear()
{
    for (auto &s : slots_)
        s.pid = 0;
    size_ = 0;
}

bool Custody::take(std::int32_t pid, std::uint64_t &cookie)
{
    const scxd_task *held = find(pid);
    if (held == nullptr)
        return false;
    cookie = held->cookie;
    return erase(pid);
}

} // namespace scxd
