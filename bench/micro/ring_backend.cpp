#include "ring_backend.hpp"

#include <sched.h>

#include <cstdio>

namespace scxd::bench {

RingBackend::RingBackend(std::uint32_t nr_tasks, const TaskMix &mix)
    : tasks_(nr_tasks), queued_(2 * static_cast<std::size_t>(nr_tasks)),
      user_(2 * static_cast<std::size_t>(nr_tasks)), mix_(mix)
{
    for (std::uint32_t i = 0; i < nr_tasks; ++i) {
        scxd_queued &q = tasks_[i];
        q.pid = mix.first_pid + static_cast<std::int32_t>(i);
        q.tgid = q.pid;
        q.prev_cpu = static_cast<std::int32_t>(i % mix.nr_cpus);
        // One in eight is pinned to its CPU; the rest may run anywhere.
        q.nr_cpus_allowed = (i % 8 == 7) ? 1 : mix.nr_cpus;
        q.flags = (i % 2) ? SCXD_Q_WAKEUP : 0;
        // Nice 0 and nice 5 (the kernel's weights scaled to 100 for nice 0).
        q.weight = (i % 4 == 3) ? 33 : 100;
        q.uid = (i % 3 == 0) ? 1000 : (i % 3 == 1) ? 2000 : 0;
        q.enq_gen = 1;
        q.enqueue_ns = 1'000'000;
        std::snprintf(q.comm, sizeof(q.comm), "task-%u", i);
        enqueue(i);
    }
}

void RingBackend::enqueue(std::size_t index)
{
    scxd_queued *rec = queued_.reserve();
    if (rec == nullptr)
        return; // cannot happen: the ring holds twice the tasks
    *rec = tasks_[index];
    MemRing<scxd_queued>::submit(rec);
}

std::size_t RingBackend::kernel_step()
{
    return user_.consume([this](const scxd_dispatch &d) {
        scxd_queued &q = tasks_[static_cast<std::size_t>(d.pid - mix_.first_pid)];
        q.enq_gen = d.enq_gen + 1;
        q.sum_exec_runtime += d.slice_ns;
        q.ran_since_placed_ns = d.slice_ns;
        q.enqueue_ns += d.slice_ns;
        enqueue(static_cast<std::size_t>(d.pid - mix_.first_pid));
    });
}

std::size_t RingBackend::drain(TaskSink sink)
{
    sink_ = sink;
    std::size_t tasks = 0;
    queued_.consume([this, &tasks](const scxd_queued &q) {
        if (q.flags & SCXD_Q_EXITED) {
            if (sink_.exited != nullptr)
                sink_.exited(sink_.ctx, q.pid);
            return;
        }
        ++tasks;
        sink_(task_from_queued(q));
    });
    return tasks;
}

DispatchStatus RingBackend::dispatch(const scxd_decision &decision)
{
    scxd_dispatch *rec = user_.reserve();
    if (rec == nullptr)
        return DispatchStatus::full;
    fill_dispatch(*rec, decision);
    MemRing<scxd_dispatch>::submit(rec);
    ++dispatched_;
    return DispatchStatus::ok;
}

WaitReason RingBackend::wait(std::chrono::milliseconds /*timeout*/, bool have_pending)
{
    // Where the daemon yields its CPU so the kernel runs what it dispatched.
    if (yield_)
        sched_yield();
    kernel_step();
    if (waits_left_ > 0 && --waits_left_ == 0 && stop_ != nullptr)
        stop_->store(true, std::memory_order_relaxed);
    return have_pending ? WaitReason::work : WaitReason::timeout;
}

} // namespace scxd::bench
