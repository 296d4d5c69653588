// A simulated dispatch queue: tasks ordered by (vtime, insertion order). FIFO queues insert
// with vtime 0, so insertion order alone decides. Consumers may skip tasks that cannot run
// on their CPU, as the kernel's scx_bpf_dsq_move_to_local does.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <set>

namespace scxd::sim {

struct DsqEntry {
    std::uint64_t vtime = 0;
    std::uint64_t seq = 0;
    std::int32_t pid = 0;
    auto operator<=>(const DsqEntry &) const = default;
};

class Dsq {
public:
    void insert(const DsqEntry &e) { set_.insert(e); }
    void erase(const DsqEntry &e) { set_.erase(e); }
    [[nodiscard]] bool empty() const { return set_.empty(); }
    [[nodiscard]] std::size_t size() const { return set_.size(); }

    // The first entry `fits` accepts, in order.
    template <typename Fits> [[nodiscard]] std::optional<DsqEntry> first(Fits fits) const
    {
        for (const auto &e : set_)
            if (fits(e.pid))
                return e;
        return std::nullopt;
    }

private:
    std::set<DsqEntry> set_;
};

} // namespace scxd::sim
