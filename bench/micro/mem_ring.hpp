// An in-memory stand-in for a BPF ring buffer: fixed slots, each an 8-byte header (length and
// busy bit, as in a BPF ring buffer record) followed by the record itself, published with a
// release store and read with an acquire load, as libbpf does. Fixed slots instead of a byte
// ring keep it short; the per-record work (header check, copy, position update) is the same.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace scxd::bench {

template <typename Rec> class MemRing {
public:
    explicit MemRing(std::size_t min_records)
    {
        std::size_t n = 64;
        while (n < min_records)
            n <<= 1;
        slots_ = std::vector<Slot>(n);
        mask_ = n - 1;
    }

    // Producer: a slot to fill, or nullptr when the ring is full.
    Rec *reserve()
    {
        const std::uint64_t cons = consumer_.load(std::memory_order_acquire);
        const std::uint64_t prod = producer_.load(std::memory_order_relaxed);
        if (prod - cons > mask_)
            return nullptr;
        Slot &s = slots_[prod & mask_];
        s.len = busy_bit | static_cast<std::uint32_t>(sizeof(Rec));
        producer_.store(prod + 1, std::memory_order_relaxed);
        return &s.rec;
    }
    // Producer: make a reserved record visible to the consumer.
    static void submit(Rec *rec)
    {
        auto *s = reinterpret_cast<Slot *>(reinterpret_cast<char *>(rec) - offsetof(Slot, rec));
        std::atomic_ref<std::uint32_t>(s->len).store(sizeof(Rec), std::memory_order_release);
    }

    // Consumer: every published record, oldest first; returns how many.
    template <typename F> std::size_t consume(F &&fn)
    {
        std::uint64_t cons = consumer_.load(std::memory_order_relaxed);
        const std::uint64_t prod = producer_.load(std::memory_order_acquire);
        std::size_t n = 0;
        for (; cons != prod; ++cons, ++n) {
            Slot &s = slots_[cons & mask_];
            if (std::atomic_ref<std::uint32_t>(s.len).load(std::memory_order_acquire) & busy_bit)
                break; // reserved, not submitted yet
            fn(static_cast<const Rec &>(s.rec));
            consumer_.store(cons + 1, std::memory_order_release);
        }
        return n;
    }

private:
    static constexpr std::uint32_t busy_bit = 1u << 31;
    struct Slot {
        alignas(8) std::uint32_t len = 0;
        std::uint32_t pg_off = 0;
        Rec rec{};
    };
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::atomic<std::uint64_t> producer_{0};
    std::atomic<std::uint64_t> consumer_{0};
};

} // namespace scxd::bench
