// A hand-written SVG: wakeup-latency and wait-time CDFs (log time axis), one line per policy
// and group, and CPU-share bars per group. Colour says the policy, dashes say the group.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "sim/report.hpp"

namespace scxd::sim {
namespace {

constexpr std::array<const char *, 8> colours{"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                              "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"};
constexpr std::array<const char *, 6> dashes{"", "6,3", "2,3", "8,3,2,3", "1,2", "12,4"};
constexpr int cdf_points = 200;

struct Box {
    double x, y, w, h;
};

std::string escape(std::string_view s)
{
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string text(double x, double y, std::string_view s, const char *anchor = "start",
                 int size = 11)
{
    return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"{}\">{}"
                       "</text>\n",
                       x, y, size, anchor, escape(s));
}

std::string line(double x1, double y1, double x2, double y2, const char *stroke = "#999")
{
    return fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                       "stroke=\"{}\" stroke-width=\"1\"/>\n",
                       x1, y1, x2, y2, stroke);
}

using Pick = const Latency &(*)(const GroupResult &);

// Decades of ns covering every sample of every run: [10^lo, 10^hi].
std::pair<int, int> decades(const std::vector<RunResult> &runs, Pick pick)
{
    std::uint64_t lo = UINT64_MAX;
    std::uint64_t hi = 0;
    for (const auto &r : runs)
        for (const auto &g : r.groups) {
            const auto &l = pick(g);
            // Zero waits (an idle CPU was there) sit on the left edge; the axis starts at the
            // smallest non-zero one.
            const auto first = std::upper_bound(l.sorted.begin(), l.sorted.end(), 0ULL);
            if (first == l.sorted.end())
                continue;
            lo = std::min<std::uint64_t>(lo, *first);
            hi = std::max(hi, l.max);
        }
    if (hi == 0)
        return {3, 6};
    int a = 0;
    while (a < 12 && std::pow(10.0, a + 1) <= static_cast<double>(lo))
        ++a;
    int b = a + 1;
    while (b < 13 && std::pow(10.0, b) < static_cast<double>(hi))
        ++b;
    return {a, b};
}

std::string axis_label(int decade)
{
    static constexpr std::array<const char *, 14> names{"1ns",   "10ns", "100ns", "1us",   "10us",
                                                        "100us", "1ms",  "10ms",  "100ms", "1s",
                                                        "10s",   "100s", "1000s", "10^13"};
    return names[static_cast<std::size_t>(std::clamp(decade, 0, 13))];
}

std::string cdf_panel(const Box &b, const std::vector<RunResult> &runs, Pick pick,
                      std::string_view title)
{
    const auto [lo, hi] = decades(runs, pick);
    const auto x_of = [&, lo = lo, hi = hi](std::uint64_t ns) {
        const double v = std::log10(static_cast<double>(std::max<std::uint64_t>(ns, 1)));
        return b.x + b.w * std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
    };
    const auto y_of = [&](double q) { return b.y + b.h * (1.0 - q); };
    std::string out = text(b.x + b.w / 2, b.y - 10, title, "middle", 13);
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"none\" stroke=\"#333\"/>\n",
                       b.x, b.y, b.w, b.h);
    for (int d = lo; d <= hi; ++d) {
        const double x = b.x + b.w * (d - lo) / (hi - lo);
        out += line(x, b.y, x, b.y + b.h, "#ddd");
        out += text(x, b.y + b.h + 14, axis_label(d), "middle");
    }
    for (int q = 0; q <= 4; ++q) {
        const double y = y_of(q / 4.0);
        out += line(b.x, y, b.x + b.w, y, "#ddd");
        out += text(b.x - 4, y + 4, fmt::format("{:.2f}", q / 4.0), "end");
    }
    for (std::size_t ri = 0; ri < runs.size(); ++ri)
        for (std::size_t gi = 0; gi < runs[ri].groups.size(); ++gi) {
            const auto &l = pick(runs[ri].groups[gi]);
            if (l.count == 0)
                continue;
            std::string pts;
            for (int i = 0; i <= cdf_points; ++i) {
                const double q = std::max(1e-9, static_cast<double>(i) / cdf_points);
                pts += fmt::format("{:.1f},{:.1f} ", x_of(l.percentile(q)), y_of(q));
            }
            out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" "
                               "stroke-dasharray=\"{}\" points=\"{}\"/>\n",
                               colours[ri % colours.size()], dashes[gi % dashes.size()], pts);
        }
    return out;
}

std::string share_panel(const Box &b, const std::vector<RunResult> &runs)
{
    std::string out = text(b.x + b.w / 2, b.y - 10, "CPU share of task CPU time (%)", "middle", 13);
    out += line(b.x, b.y + b.h, b.x + b.w, b.y + b.h, "#333");
    for (int p = 0; p <= 100; p += 25) {
        const double y = b.y + b.h * (1.0 - p / 100.0);
        out += line(b.x, y, b.x + b.w, y, "#ddd");
        out += text(b.x - 4, y + 4, std::to_string(p), "end");
    }
    if (runs.empty())
        return out;
    const auto groups = runs[0].groups.size();
    const double slot = b.w / static_cast<double>(std::max<std::size_t>(groups, 1));
    const double bar = slot * 0.8 / static_cast<double>(runs.size());
    for (std::size_t gi = 0; gi < groups; ++gi) {
        const double x0 = b.x + slot * static_cast<double>(gi) + slot * 0.1;
        for (std::size_t ri = 0; ri < runs.size(); ++ri) {
            const double v = runs[ri].groups[gi].share_pct;
            const double h = b.h * std::clamp(v, 0.0, 100.0) / 100.0;
            const double x = x0 + bar * static_cast<double>(ri);
            out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                               "height=\"{:.1f}\" fill=\"{}\"><title>{} {}: {:.1f}%</title>"
                               "</rect>\n",
                               x, b.y + b.h - h, bar * 0.9, h, colours[ri % colours.size()],
                               escape(runs[ri].policy), escape(runs[ri].groups[gi].name), v);
            out += text(x + bar * 0.45, b.y + b.h - h - 3, fmt::format("{:.1f}", v), "middle", 9);
        }
        out += text(x0 + slot * 0.4, b.y + b.h + 14, runs[0].groups[gi].name, "middle");
    }
    return out;
}

std::string legend(double x, double y, const std::vector<RunResult> &runs)
{
    std::string out;
    for (std::size_t ri = 0; ri < runs.size(); ++ri) {
        const double lx = x + 140.0 * static_cast<double>(ri);
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"10\" "
                           "fill=\"{}\"/>\n",
                           lx, y - 9, colours[ri % colours.size()]);
        out += text(lx + 18, y, runs[ri].policy);
    }
    if (runs.empty())
        return out;
    for (std::size_t gi = 0; gi < runs[0].groups.size(); ++gi) {
        const double lx = x + 140.0 * static_cast<double>(gi);
        out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
                           "stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"{}\"/>\n",
                           lx, y + 16, lx + 24, y + 16, dashes[gi % dashes.size()]);
        out += text(lx + 28, y + 20, runs[0].groups[gi].name);
    }
    return out;
}

} // namespace

std::string svg_report(const Workload &w, const std::vector<RunResult> &runs)
{
    constexpr double width = 1000;
    constexpr double height = 800;
    std::string out =
        fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                    "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
                    width, height);
    std::string policies;
    for (const auto &r : runs)
        policies += (policies.empty() ? "" : ", ") + r.policy;
    out += text(width / 2, 24,
                fmt::format("{}: {} CPUs, {:.3g} s, seed {} ({})", w.name, w.cpus,
                            static_cast<double>(w.duration_ns) / 1e9,
                            runs.empty() ? 0 : runs[0].seed, policies),
                "middle", 15);
    out += legend(60, 50, runs);
    out += cdf_panel(
        {60, 110, 410, 280}, runs, [](const GroupResult &g) -> const Latency & { return g.wakeup; },
        "wakeup latency CDF (wake -> run)");
    out += cdf_panel(
        {560, 110, 410, 280}, runs, [](const GroupResult &g) -> const Latency & { return g.wait; },
        "wait time CDF (runnable -> run)");
    out += share_panel({60, 470, 910, 280}, runs);
    out += "</svg>\n";
    return out;
}

} // namespace scxd::sim
