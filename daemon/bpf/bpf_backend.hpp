// The real backend: the sched_ext BPF program (libbpf skeleton) and its two ring buffers.
// Every kernel object is owned by a unique_ptr whose deleter is libbpf's destroy function.
#pragma once

#include <cstdint>
#include <memory>

#include "core/backend.hpp"
#include "core/result.hpp"

struct scxd_bpf;
struct ring_buffer;
struct user_ring_buffer;
struct bpf_link;

namespace scxd {

struct BpfOptions {
    std::uint32_t max_tasks = 8192;
    std::uint64_t default_slice_ns = 5'000'000;
    bool builtin_idle = true;
    std::uint64_t wakeup_preempt_ns = 250'000; // 0: never preempt for a woken task
    bool partial = false;            // only SCHED_EXT tasks; the rest stay in the fair class
    std::uint32_t exit_dump_len = 0; // 0: the kernel's default
};

struct SkelDeleter {
    void operator()(scxd_bpf *skel) const;
};
struct RingBufferDeleter {
    void operator()(ring_buffer *rb) const;
};
struct UserRingBufferDeleter {
    void operator()(user_ring_buffer *rb) const;
};
struct LinkDeleter {
    void operator()(bpf_link *link) const;
};

class BpfBackend final : public Backend {
public:
    // Loads the BPF program and attaches it: from here on the kernel sends tasks to us.
    static Result<std::unique_ptr<BpfBackend>> attach(const BpfOptions &options);
    ~BpfBackend() override;

    std::size_t drain(TaskSink sink) override;
    DispatchStatus dispatch(const scxd_decision &decision) override;
    void notify_complete(std::uint64_t nr_pending) override;
    WaitReason wait(std::chrono::milliseconds timeout, bool have_pending) override;
    [[nodiscard]] Counters counters() const override;
    [[nodiscard]] std::optional<ExitInfo> exit_info() const override;

    // Unload the scheduler (every task returns to the kernel's fair class). Idempotent.
    void detach();
    [[nodiscard]] std::uint32_t nr_cpus() const { return nr_cpus_; }

private:
    BpfBackend() = default;
    static int on_record(void *self, void *data, std::size_t size);

    std::unique_ptr<scxd_bpf, SkelDeleter> skel_;
    std::unique_ptr<ring_buffer, RingBufferDeleter> queued_;
    std::unique_ptr<user_ring_buffer, UserRingBufferDeleter> dispatched_;
    std::unique_ptr<bpf_link, LinkDeleter> link_;
    TaskSink sink_{};
    std::size_t drained_ = 0;
    std::uint64_t submitted_ = 0; // decisions put into the user ring
    std::uint32_t nr_cpus_ = 0;
};

// Number of possible CPUs (ids 0 .. n-1 the kernel may report), 0 if unknown.
std::uint32_t possible_cpus();

// Route libbpf's own messages into spdlog.
void route_libbpf_logs();

} // namespace scxd
