// "Did you mean ...?" for a mistyped key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scxd {

// The candidate closest to `word` by edit distance (an adjacent swap counts as one edit), if
// it is close enough to be a typo; "" otherwise.
std::string nearest(std::string_view word, const std::vector<std::string> &candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string> &candidates);

} // namespace scxd
