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
    : keys_(slots_for(max_tasks)), tasks_(keys_.size()), mask_(keys_.size() - 1),
      capacity_(keys_.size() / 2)
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
    while (keys_[i].pid != 0 && keys_[i].pid != pid)
        i = (i + 1) & mask_;
    return i;
}

bool Custody::insert(const scxd_task &task)
{
    const std::size_t i = probe(task.pid);
    if (keys_[i].pid == 0) {
        if (size_ == capacity_)
            return false;
        ++size_;
    }
    keys_[i] = {task.pid, task.cookie};
    tasks_[i] = task;
    return true;
}

const scxd_task *Custody::find(std::int32_t pid) const
{
    if (pid <= 0)
        return nullptr;
    const std::size_t i = probe(pid);
    return keys_[i].pid == pid ? &tasks_[i] : nullptr;
}

bool Custody::erase(std::int32_t pid)
{
    if (pid <= 0)
        return false;
    const std::size_t i = probe(pid);
    if (keys_[i].pid != pid)
        return false;
    remove_at(i);
    return true;
}

bool Custody::take(std::int32_t pid, std::uint64_t &cookie)
{
    if (pid <= 0)
        return false;
    const std::size_t i = probe(pid);
    if (keys_[i].pid != pid)
        return false;
    cookie = keys_[i].cookie;
    remove_at(i);
    return true;
}

void Custody::remove_at(std::size_t i)
{
    // Backward-shift deletion: keep every probe chain unbroken without tombstones.
    for (std::size_t j = (i + 1) & mask_; keys_[j].pid != 0; j = (j + 1) & mask_) {
        const std::size_t h = home(keys_[j].pid);
        // Move j into the hole at i when its home is not in the cyclic range (i, j].
        const bool in_range = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
        if (!in_range) {
            keys_[i] = keys_[j];
            tasks_[i] = tasks_[j];
            i = j;
        }
    }
    keys_[i].pid = 0;
    --size_;
}

void Custody::clear()
{
    for (auto &k : keys_)
        k.pid = 0;
    size_ = 0;
}

} // namespace scxd
