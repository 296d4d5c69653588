// Durations as workloads spell them ("2ms", "1.5s", "250us") and as reports print them.
// Parsed with integer arithmetic only, so "0.1s" is exactly 100'000'000 ns everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scxd::sim {

inline constexpr std::uint64_t ns_per_us = 1'000;
inline constexpr std::uint64_t ns_per_ms = 1'000'000;
inline constexpr std::uint64_t ns_per_s = 1'000'000'000;

// "<decimal><unit>" with unit ns, us, ms or s; nullopt for anything else (no unit, a sign,
// more than nine decimals, more than about 10^10 s).
std::optional<std::uint64_t> parse_duration(std::string_view text);

// A plain decimal number ("0.25", "3") as parts per million; nullopt when not one.
std::optional<std::uint64_t> parse_ppm(std::string_view text);

// "12.345 ms"-style text with the largest unit that keeps the number >= 1.
std::string format_duration(std::uint64_t ns);

} // namespace scxd::sim
