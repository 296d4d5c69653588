// The seam between the scheduling loop and whatever runs the tasks: the kernel (daemon/bpf)
// or a simulation / test double. Nothing here touches the kernel.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/counters.hpp"
#include "core/exit_info.hpp"
#include "scxd/policy.h"

namespace scxd {

// Receives queued tasks from Backend::drain. A plain function pointer plus context, so the
// hot path makes no allocation and no std::function call.
struct TaskSink {
    void (*fn)(void *ctx, const scxd_task &task) = nullptr;
    void *ctx = nullptr;
    // A task that exited (policies forget it); may be null.
    void (*exited)(void *ctx, std::int32_t pid) = nullptr;
    void operator()(const scxd_task &task) const { fn(ctx, task); }
};

enum class DispatchStatus {
    ok,
    full, // the user -> kernel ring is full: retry after the kernel drained it
};

enum class WaitReason { work, timeout, interrupted };

class Backend {
public:
    Backend() = default;
    Backend(const Backend &) = delete;
    Backend &operator=(const Backend &) = delete;
    virtual ~Backend() = default;

    // Hand every task queued since the last call to sink, and every exit notice to
    // sink.exited. Returns how many tasks (not exits).
    virtual std::size_t drain(TaskSink sink) = 0;
    // Send one decision to the kernel. Hot path: no syscall, no allocation.
    virtual DispatchStatus dispatch(const scxd_decision &decision) = 0;
    // End of a loop pass: tell the kernel how many tasks the policy still holds.
    virtual void notify_complete(std::uint64_t nr_pending) = 0;
    // Block until new tasks may be queued or the timeout passes. With pending work, only
    // yield the CPU so the kernel can run what was just dispatched.
    virtual WaitReason wait(std::chrono::milliseconds timeout, bool have_pending) = 0;

    [[nodiscard]] virtual Counters counters() const = 0;
    // Set once the kernel has ejected / unloaded the scheduler.
    [[nodiscard]] virtual std::optional<ExitInfo> exit_info() const = 0;
};

} // namespace scxd
