#include <cstdlib>
#include <string_view>

#include "cli/options.hpp"

namespace scxd {

std::vector<std::filesystem::path>
policy_search_path(const std::vector<std::filesystem::path> &from_cli)
{
    std::vector<std::filesystem::path> dirs = from_cli;
    if (const char *env = std::getenv("SCXD_POLICY_PATH"); env != nullptr) {
        std::string_view rest(env);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const auto part = rest.substr(0, colon);
            if (!part.empty())
                dirs.emplace_back(part);
            if (colon == std::string_view::npos)
                break;
            rest.remove_prefix(colon + 1);
        }
    }
    dirs.emplace_back(SCXD_POLICY_DIR);
    return dirs;
}

} // namespace scxd
