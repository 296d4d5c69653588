#include "core/counters.hpp"

#include <fmt/format.h>

namespace scxd {

std::string to_key_values(const Counters &c)
{
    return fmt::format("user_dispatches={} kernel_dispatches={} queued={} scheduled={} "
                       "congested={} failed_dispatches={} bounce_dispatches={} cancel_dispatches={} "
                       "daemon_dispatches={} policy_rejected={} invalid_decisions={} "
                       "ring_full={} loop_passes={} page_faults={} restarts={}",
                       c.user_dispatches, c.kernel_dispatches, c.queued, c.scheduled,
                       c.congested, c.failed_dispatches, c.bounce_dispatches, c.cancel_dispatches,
                       c.daemon_dispatches, c.policy_rejected, c.invalid_decisions, c.ring_full,
                       c.loop_passes, c.page_faults, c.restarts);
}

} // namespace scxd
