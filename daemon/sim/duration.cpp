#include "sim/duration.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

namespace scxd::sim {
namespace {

struct Decimal {
    std::uint64_t whole = 0;
    std::uint64_t frac = 0;       // the digits after the point, as an integer
    std::uint64_t frac_scale = 1; // 10^(number of those digits)
};

// Digits, optionally '.' and more digits; consumes them from the front of text.
std::optional<Decimal> take_decimal(std::string_view &text)
{
    Decimal d;
    std::size_t i = 0;
    bool any = false;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, any = true) {
        if (d.whole > 10'000'000'000ULL)
            return std::nullopt;
        d.whole = d.whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, any = true) {
            if (d.frac_scale == 1'000'000'000)
                return std::nullopt;
            d.frac = d.frac * 10 + static_cast<std::uint64_t>(text[i] - '0');
            d.frac_scale *= 10;
        }
    }
    if (!any)
        return std::nullopt;
    text.remove_prefix(i);
    return d;
}

std::uint64_t scaled(const Decimal &d, std::uint64_t unit)
{
    return d.whole * unit + d.frac * unit / d.frac_scale;
}

} // namespace

std::optional<std::uint64_t> parse_duration(std::string_view text)
{
    const auto d = take_decimal(text);
    if (!d)
        return std::nullopt;
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> units{{
        {"ns", 1},
        {"us", ns_per_us},
        {"\xc2\xb5s", ns_per_us},
        {"ms", ns_per_ms},
        {"s", ns_per_s},
    }};
    for (const auto &[name, unit] : units)
        if (text == name)
            return scaled(*d, unit);
    return std::nullopt;
}

std::optional<std::uint64_t> parse_ppm(std::string_view text)
{
    const auto d = take_decimal(text);
    if (!d || !text.empty())
        return std::nullopt;
    return scaled(*d, 1'000'000);
}

std::string format_duration(std::uint64_t ns)
{
    if (ns >= ns_per_s)
        return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
    if (ns >= ns_per_ms)
        return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
    if (ns >= ns_per_us)
        return fmt::format("{:.3f} us", static_cast<double>(ns) / 1e3);
    return fmt::format("{} ns", ns);
}

} // namespace scxd::sim
