// Small text helpers for user-facing, one-line messages.
#pragma once

#include <string>

namespace scxd {

// Control characters (newlines, tabs, ...) become spaces: every error is one line.
inline std::string one_line(std::string s)
{
    for (char &c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return s;
}

} // namespace scxd
