// Rendering runs of one workload: an aligned table for people, JSON for scripts, SVG for a
// picture (latency CDFs and CPU-share bars). One run or several (--compare), same layout.
// Output depends only on the results: nothing here reads a clock.
#pragma once

#include <string>
#include <vector>

#include "sim/result.hpp"
#include "sim/workload.hpp"

namespace scxd::sim {

std::string text_report(const Workload &w, const std::vector<RunResult> &runs);
std::string json_report(const Workload &w, const std::vector<RunResult> &runs);
std::string svg_report(const Workload &w, const std::vector<RunResult> &runs);

// "12.3us", "4.56ms", "1.20s": three significant digits, for tables and axes.
std::string short_duration(std::uint64_t ns);

} // namespace scxd::sim
