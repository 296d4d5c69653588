#include "bpf/bpf_backend.hpp"

#include <sched.h>
#include <sys/epoll.h>

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

// The skeleton's .bss struct names our shared types: define them (and u64 & co.) first.
#include "scxd_intf.h"
#include "scxd.skel.h"

#include "bpf/records.hpp"

#include "bpf/kernel_btf.hpp"
#include "bpf/kernel_state.hpp"

namespace scxd {

void SkelDeleter::operator()(scxd_bpf *skel) const { scxd_bpf__destroy(skel); }
void RingBufferDeleter::operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
void UserRingBufferDeleter::operator()(user_ring_buffer *rb) const { user_ring_buffer__free(rb); }
void LinkDeleter::operator()(bpf_link *link) const { bpf_link__destroy(link); }

namespace {

// libbpf hands over a verifier log as one message of up to megabytes: it is printed whole
// (start-up only, so the allocation does not matter), not cut at a line buffer's size.
int libbpf_log(enum libbpf_print_level level, const char *format, va_list args)
{
    va_list again;
    va_copy(again, args);
    char small[1024];
    const int n = vsnprintf(small, sizeof(small), format, args);
    std::string buf;
    if (n > 0 && static_cast<std::size_t>(n) >= sizeof(small)) {
        buf.resize(static_cast<std::size_t>(n) + 1);
        vsnprintf(buf.data(), buf.size(), format, again);
        buf.resize(static_cast<std::size_t>(n));
    } else if (n > 0) {
        buf.assign(small, static_cast<std::size_t>(n));
    }
    va_end(again);
    if (n <= 0)
        return 0;
    while (!buf.empty() && buf.back() == '\n')
        buf.pop_back();
    switch (level) {
    case LIBBPF_WARN: spdlog::warn("libbpf: {}", buf); break;
    case LIBBPF_INFO: spdlog::debug("libbpf: {}", buf); break;
    default: spdlog::trace("libbpf: {}", buf); break;
    }
    return n;
}

// Ring sizes must be a power of two and a multiple of the page size.
std::uint32_t ring_bytes(std::uint32_t records, std::size_t record_size)
{
    std::uint64_t want = static_cast<std::uint64_t>(records) * (record_size + 8);
    std::uint64_t size = 1 << 16;
    while (size < want && size < (1ULL << 30))
        size <<= 1;
    return static_cast<std::uint32_t>(size);
}

// `loading`: the error is scxd_bpf__load()'s, where the verifier answers too.
std::string attach_hint(int err, bool loading)
{
    switch (err) {
    case EPERM:
    case EACCES:
        // The verifier's refusal is EACCES too: as root, that is what it means.
        if (loading && geteuid() == 0)
            return "the kernel's verifier rejected the BPF program: its log is above; please "
                   "report it with `uname -r` (a kernel scxd was not tested on?)";
        return "run as root (loading a scheduler needs CAP_BPF and CAP_SYS_ADMIN)";
    case EBUSY:
    case EEXIST:
        return "another sched_ext scheduler is loaded (see /sys/kernel/sched_ext/root/ops): "
               "stop it first";
    case EOPNOTSUPP:
    case 524: // ENOTSUPP, the kernel-internal errno
        return "this kernel lacks sched_ext support (CONFIG_SCHED_CLASS_EXT)";
    default: return "see the libbpf messages above (--log-level debug shows the verifier log)";
    }
}

// Ops flags come from the running kernel's BTF: their bits are not a stable ABI.
Status set_ops_options(scxd_bpf *skel, const BpfOptions &options)
{
    auto *ops = skel->struct_ops.scxd_ops;
    if (options.partial) {
        auto bit = kernel_enum_value("scx_ops_flags", "SCX_OPS_SWITCH_PARTIAL");
        if (!bit)
            return Error{"--partial: " + bit.error().message};
        ops->flags |= *bit;
    }
    if (options.exit_dump_len != 0)
        ops->exit_dump_len = options.exit_dump_len;
    // A CPU hotplug between here and the attach makes the kernel refuse the attach with a
    // restart request instead of running us with a stale view of the CPUs.
    const auto seq = read_sched_ext_file("hotplug_seq");
    if (!seq.empty())
        ops->hotplug_seq = std::strtoull(seq.c_str(), nullptr, 10);
    return Ok{};
}

} // namespace

void route_libbpf_logs() { libbpf_set_print(libbpf_log); }

std::uint32_t possible_cpus()
{
    const int n = libbpf_num_possible_cpus();
    return n > 0 ? static_cast<std::uint32_t>(n) : 0;
}

Result<std::unique_ptr<BpfBackend>> BpfBackend::attach(const BpfOptions &options)
{
    const int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0 || ncpus > SCXD_MAX_CPUS)
        return Error{fmt::format("cannot use {} possible CPUs (scxd supports 1..{})", ncpus,
                                 static_cast<int>(SCXD_MAX_CPUS))};
    std::unique_ptr<BpfBackend> b(new BpfBackend());
    b->nr_cpus_ = static_cast<std::uint32_t>(ncpus);
    b->skel_.reset(scxd_bpf__open());
    if (!b->skel_)
        return Error{fmt::format("cannot open the BPF program: {}", std::strerror(errno))};
    auto *skel = b->skel_.get();
    skel->rodata->nr_cpus = b->nr_cpus_;
    skel->rodata->daemon_tgid = getpid();
    skel->rodata->default_slice_ns = options.default_slice_ns;
    skel->rodata->builtin_idle = options.builtin_idle;
    skel->rodata->wakeup_preempt_ns = options.wakeup_preempt_ns;
    bpf_map__set_max_entries(skel->maps.queued, ring_bytes(options.max_tasks, sizeof(scxd_queued)));
    bpf_map__set_max_entries(skel->maps.dispatched,
                             ring_bytes(options.max_tasks, sizeof(scxd_dispatch)));

    if (auto st = set_ops_options(skel, options); !st)
        return st.error();

    if (int err = scxd_bpf__load(skel); err != 0)
        return Error{fmt::format("the kernel refused the BPF program: {}: {}", std::strerror(-err),
                                 attach_hint(-err, true))};
    b->queued_.reset(
        ring_buffer__new(bpf_map__fd(skel->maps.queued), &BpfBackend::on_record, b.get(), nullptr));
    b->dispatched_.reset(user_ring_buffer__new(bpf_map__fd(skel->maps.dispatched), nullptr));
    if (!b->queued_ || !b->dispatched_)
        return Error{fmt::format("cannot map the ring buffers: {}", std::strerror(errno))};
    b->link_.reset(bpf_map__attach_struct_ops(skel->maps.scxd_ops));
    if (!b->link_) {
        const int err = errno;
        return Error{fmt::format("the kernel refused to enable the scheduler: {}: {}",
                                 std::strerror(err), attach_hint(err, false))};
    }
    return b;
}

BpfBackend::~BpfBackend() { detach(); }

void BpfBackend::detach() { link_.reset(); }

int BpfBackend::on_record(void *self, void *data, std::size_t size)
{
    auto &b = *static_cast<BpfBackend *>(self);
    if (size < sizeof(scxd_queued))
        return 0;
    const auto &q = *static_cast<const scxd_queued *>(data);
    if (q.flags & SCXD_Q_EXITED) {
        if (b.sink_.exited != nullptr)
            b.sink_.exited(b.sink_.ctx, q.pid);
        return 0;
    }
    const scxd_task t = task_from_queued(q);
    ++b.drained_;
    b.sink_(t);
    return 0;
}

std::size_t BpfBackend::drain(TaskSink sink)
{
    sink_ = sink;
    drained_ = 0;
    ring_buffer__consume(queued_.get()); // reads shared memory only: no syscall
    // Tell the BPF side how far we got, so it knows whether tasks wait for us.
    __atomic_fetch_add(&skel_->bss->user_state.consumed, drained_, __ATOMIC_RELEASE);
    return drained_;
}

DispatchStatus BpfBackend::dispatch(const scxd_decision &d)
{
    auto *rec = static_cast<scxd_dispatch *>(
        user_ring_buffer__reserve(dispatched_.get(), sizeof(scxd_dispatch)));
    if (rec == nullptr)
        return DispatchStatus::full;
    fill_dispatch(*rec, d);
    user_ring_buffer__submit(dispatched_.get(), rec);
    // A plain store, no read-modify-write: only this thread writes it. BPF skips the drain
    // while it has read this many.
    __atomic_store_n(&skel_->bss->user_state.submitted, ++submitted_, __ATOMIC_RELEASE);
    return DispatchStatus::ok;
}

void BpfBackend::notify_complete(std::uint64_t nr_pending)
{
    __atomic_store_n(&skel_->bss->user_state.nr_pending, nr_pending, __ATOMIC_RELEASE);
}

WaitReason BpfBackend::wait(std::chrono::milliseconds timeout, bool have_pending)
{
    if (have_pending || timeout.count() == 0) {
        sched_yield(); // our CPU's ops.dispatch() now inserts what we just decided
        return WaitReason::work;
    }
    // Only wait here; drain() reads the records. ring_buffer__poll() would consume them
    // behind drain()'s back, and the BPF side, never told, would think they still wait for us.
    epoll_event ev{};
    const int n =
        epoll_wait(ring_buffer__epoll_fd(queued_.get()), &ev, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR)
        return WaitReason::interrupted;
    return n > 0 ? WaitReason::work : WaitReason::timeout;
}

Counters BpfBackend::counters() const
{
    const auto &k = skel_->bss->counters;
    auto rd = [](const std::uint64_t &v) { return __atomic_load_n(&v, __ATOMIC_RELAXED); };
    Counters c;
    c.queued = rd(k.queued);
    c.user_dispatches = rd(k.user_dispatches);
    c.kernel_dispatches = rd(k.kernel_dispatches);
    c.congested = rd(k.congested);
    c.failed_dispatches = rd(k.failed_dispatches);
    c.bounce_dispatches = rd(k.bounce_dispatches);
    c.cancel_dispatches = rd(k.cancel_dispatches);
    c.daemon_dispatches = rd(k.daemon_dispatches);
    c.heartbeat_kicks = rd(k.heartbeat_kicks);
    c.wakeup_preempts = rd(k.wakeup_preempts);
    c.kernel_requeues = rd(k.kernel_requeues);
    c.kernel_wakeups = rd(k.kernel_wakeups);
    c.idle_claims = rd(k.idle_claims);
    c.migrations_avoided = rd(k.migrations_avoided);
    c.exits = rd(k.exits);
    return c;
}

std::optional<ExitInfo> BpfBackend::exit_info() const
{
    const auto &e = skel_->bss->exit_info;
    const std::int32_t kind = __atomic_load_n(&e.kind, __ATOMIC_ACQUIRE);
    if (kind == 0)
        return std::nullopt;
    ExitInfo info;
    info.kind = kind;
    info.exit_code = e.exit_code;
    info.reason.assign(e.reason, strnlen(e.reason, sizeof(e.reason)));
    info.message.assign(e.msg, strnlen(e.msg, sizeof(e.msg)));
    info.dump.assign(e.dump, strnlen(e.dump, sizeof(e.dump)));
    return info;
}

} // namespace scxd
