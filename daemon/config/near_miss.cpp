#include "config/near_miss.hpp"

#include <algorithm>

namespace scxd {
namespace {

// Optimal string alignment distance: insert, delete, substitute, swap neighbours.
std::size_t distance(std::string_view a, std::string_view b)
{
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::size_t> d((n + 1) * (m + 1));
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t & { return d[i * (m + 1) + j]; };
    for (std::size_t i = 0; i <= n; ++i)
        at(i, 0) = i;
    for (std::size_t j = 0; j <= m; ++j)
        at(0, j) = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
    }
    return at(n, m);
}

bool same_ignoring_case(std::string_view a, std::string_view b)
{
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

} // namespace

std::string nearest(std::string_view word, const std::vector<std::string> &candidates)
{
    // Short words tolerate one edit, longer ones two: beyond that it is another word.
    const std::size_t limit = word.size() <= 4 ? 1 : 2;
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto &c : candidates) {
        // A dropped unit suffix ("sleeper_credit" for "sleeper_credit_us") is a near miss too.
        const bool prefix = word.size() >= 4 && c.starts_with(word) && c.size() - word.size() <= 4;
        // "INFO" for "info": the case is the only mistake.
        const std::size_t dist = same_ignoring_case(word, c) ? 0 : prefix ? 1 : distance(word, c);
        if (dist < best_d) {
            best_d = dist;
            best = c;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string> &candidates)
{
    const auto n = nearest(word, candidates);
    return n.empty() ? "" : " (did you mean '" + n + "'?)";
}

} // namespace scxd
