#include "core/counters.hpp"

#include <fmt/format.h>

namespace scxd {

Counters &operator+=(Counters &t, const Counters &m)
{
    t.queued += m.queued;
    t.user_dispatches += m.user_dispatches;
    t.kernel_dispatches += m.kernel_dispatches;
    t.congested += m.congested;
    t.failed_dispatches += m.failed_dispatches;
    t.bounce_dispatches += m.bounce_dispatches;
    t.cancel_dispatches += m.cancel_dispatches;
    t.daemon_dispatches += m.daemon_dispatches;
    t.heartbeat_kicks += m.heartbeat_kicks;
    t.wakeup_preempts += m.wakeup_preempts;
    t.kernel_requeues += m.kernel_requeues;
    t.kernel_wakeups += m.kernel_wakeups;
    t.idle_claims += m.idle_claims;
    t.migrations_avoided += m.migrations_avoided;
    t.exits += m.exits;
    t.scheduled += m.scheduled;
    t.policy_rejected += m.policy_rejected;
    t.invalid_decisions += m.invalid_decisions;
    t.ring_full += m.ring_full;
    t.loop_passes += m.loop_passes;
    t.page_faults += m.page_faults;
    t.restarts += m.restarts;
    t.policy_swaps += m.policy_swaps;
    t.invalid_cpus += m.invalid_cpus;
    t.policy_fallbacks += m.policy_fallbacks;
    return t;
}

std::string to_key_values(const Counters &c)
{
    return fmt::format("user_dispatches={} kernel_dispatches={} queued={} scheduled={} "
                       "congested={} failed_dispatches={} bounce_dispatches={} "
                       "cancel_dispatches={} "
                       "daemon_dispatches={} heartbeat_kicks={} wakeup_preempts={} "
                       "kernel_requeues={} kernel_wakeups={} exits={} "
                       "policy_rejected={} invalid_decisions={} "
                       "ring_full={} loop_passes={} page_faults={} restarts={} policy_swaps={} "
                       "invalid_cpus={} policy_fallbacks={} idle_claims={} "
                       "migrations_avoided={}",
                       c.user_dispatches, c.kernel_dispatches, c.queued, c.scheduled, c.congested,
                       c.failed_dispatches, c.bounce_dispatches, c.cancel_dispatches,
                       c.daemon_dispatches, c.heartbeat_kicks, c.wakeup_preempts, c.kernel_requeues,
                       c.kernel_wakeups, c.exits, c.policy_rejected, c.invalid_decisions,
                       c.ring_full, c.loop_passes, c.page_faults, c.restarts, c.policy_swaps,
                       c.invalid_cpus, c.policy_fallbacks, c.idle_claims, c.migrations_avoided);
}

} // namespace scxd
