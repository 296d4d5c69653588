#include "core/fallback_fifo.hpp"

namespace scxd {

// Custody holds at most twice max_tasks; the same size here means the fallback never refuses a task
// custody accepted.
FallbackFifo::FallbackFifo(std::size_t max_tasks) : ring_(2 * max_tasks + 64) {}

int FallbackFifo::on_enqueue(void *ctx, const scxd_task *task)
{
    auto &f = *static_cast<FallbackFifo *>(ctx);
    if (f.size_ == f.ring_.size())
        return -1; // the loop runs it on any CPU itself
    f.ring_[(f.head_ + f.size_) % f.ring_.size()] = scxd_decision_for(task, SCXD_CPU_ANY);
    ++f.size_;
    return 0;
}

int FallbackFifo::pick(void *ctx, scxd_decision *out)
{
    auto &f = *static_cast<FallbackFifo *>(ctx);
    if (f.size_ == 0)
        return 0;
    *out = f.ring_[f.head_];
    f.head_ = (f.head_ + 1) % f.ring_.size();
    --f.size_;
    return 1;
}

const scxd_policy_ops FallbackFifo::ops = {
    sizeof(scxd_policy_ops),
    0,
    &FallbackFifo::on_enqueue,
    &FallbackFifo::pick,
    nullptr,
    nullptr,
    nullptr,
};

} // namespace scxd
