#include "stats/snapshot.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace scxd {
namespace {

struct CounterField {
    std::string_view name;
    std::uint64_t Counters::*member;
};

// The counters most people look for, in the order they read them.
constexpr std::array primary_counters{
    CounterField{"queued", &Counters::queued},
    CounterField{"scheduled", &Counters::scheduled},
    CounterField{"user_dispatches", &Counters::user_dispatches},
    CounterField{"kernel_dispatches", &Counters::kernel_dispatches},
    CounterField{"cancel_dispatches", &Counters::cancel_dispatches},
    CounterField{"bounce_dispatches", &Counters::bounce_dispatches},
    CounterField{"failed_dispatches", &Counters::failed_dispatches},
    CounterField{"congested", &Counters::congested},
    CounterField{"page_faults", &Counters::page_faults},
    CounterField{"restarts", &Counters::restarts},
};

constexpr std::array other_counters{
    CounterField{"daemon_dispatches", &Counters::daemon_dispatches},
    CounterField{"heartbeat_kicks", &Counters::heartbeat_kicks},
    CounterField{"wakeup_preempts", &Counters::wakeup_preempts},
    CounterField{"kernel_requeues", &Counters::kernel_requeues},
    CounterField{"kernel_wakeups", &Counters::kernel_wakeups},
    CounterField{"idle_claims", &Counters::idle_claims},
    CounterField{"migrations_avoided", &Counters::migrations_avoided},
    CounterField{"exits", &Counters::exits},
    CounterField{"policy_swaps", &Counters::policy_swaps},
    CounterField{"policy_rejected", &Counters::policy_rejected},
    CounterField{"invalid_decisions", &Counters::invalid_decisions},
    CounterField{"invalid_cpus", &Counters::invalid_cpus},
    CounterField{"policy_fallbacks", &Counters::policy_fallbacks},
    CounterField{"ring_full", &Counters::ring_full},
    CounterField{"loop_passes", &Counters::loop_passes},
};

// A counter added to Counters but not here would silently never reach `scxd stats`.
static_assert(sizeof(Counters) ==
                  (primary_counters.size() + other_counters.size()) * sizeof(std::uint64_t),
              "Counters changed: list every field in daemon/stats/snapshot.cpp");

void append_json_string(std::string &out, std::string_view s)
{
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            // Other control characters have no short form; bytes >= 0x20 pass through, so
            // UTF-8 names stay readable.
            if (c < 0x20)
                fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
            else
                out += ch;
        }
    }
    out += '"';
}

// `"name":`, after a comma unless it is the object's first key.
void append_json_key(std::string &out, std::string_view name)
{
    if (out.back() != '{')
        out += ',';
    fmt::format_to(std::back_inserter(out), "\"{}\":", name);
}

void append_json_counters(std::string &out, const Counters &c, const auto &fields)
{
    for (const auto &f : fields) {
        append_json_key(out, f.name);
        fmt::format_to(std::back_inserter(out), "{}", c.*f.member);
    }
}

std::string format_uptime(std::uint64_t ms)
{
    const std::uint64_t secs = ms / 1000;
    return fmt::format("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
}

using Row = std::pair<std::string, std::string>;

std::vector<Row> table_rows(const StatsSnapshot &s)
{
    std::vector<Row> rows{
        {"policy", s.policy},
        {"mode", s.mode},
        {"uptime", format_uptime(s.uptime_ms)},
        {"nr_cpus", std::to_string(s.nr_cpus)},
    };
    for (const auto &f : primary_counters)
        rows.emplace_back(std::string(f.name), std::to_string(s.counters.*f.member));
    for (const auto &f : other_counters)
        rows.emplace_back(std::string(f.name), std::to_string(s.counters.*f.member));
    return rows;
}

} // namespace

std::string to_json(const StatsSnapshot &s)
{
    std::string out = "{";
    append_json_counters(out, s.counters, primary_counters);
    append_json_key(out, "policy");
    append_json_string(out, s.policy);
    append_json_counters(out, s.counters, other_counters);
    append_json_key(out, "mode");
    append_json_string(out, s.mode);
    fmt::format_to(std::back_inserter(out), ",\"uptime_ms\":{},\"nr_cpus\":{}}}", s.uptime_ms,
                   s.nr_cpus);
    return out;
}

std::string to_table(const StatsSnapshot &s)
{
    const auto rows = table_rows(s);
    std::size_t name_w = 0;
    std::size_t value_w = 0;
    for (const auto &[name, value] : rows) {
        name_w = std::max(name_w, name.size());
        value_w = std::max(value_w, value.size());
    }
    // Values right-aligned so the digits of the counters line up.
    std::string out;
    for (const auto &[name, value] : rows)
        fmt::format_to(std::back_inserter(out), "{:<{}}  {:>{}}\n", name, name_w, value, value_w);
    return out;
}

} // namespace scxd
