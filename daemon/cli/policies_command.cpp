// `scxd policies`: every installed plugin with its ABI version and description.
#include <fmt/format.h>

#include "cli/options.hpp"
#include "plugin/plugin.hpp"
#include "plugin/trust.hpp"

namespace scxd {

int policies_command(const std::vector<std::filesystem::path> &dirs)
{
    const auto files = list_policy_files(dirs);
    if (files.empty()) {
        std::string where;
        for (const auto &d : dirs)
            where += (where.empty() ? "" : ":") + d.string();
        fmt::print(stderr, "scxd: no policy plugins found in {}\n", where);
        return 1;
    }
    int rc = 0;
    for (const auto &f : files) {
        auto plugin = open_trusted_plugin(f, default_trust_rules(false));
        if (!plugin) {
            fmt::print(stderr, "scxd: {}\n", plugin.error().message);
            rc = 1;
            continue;
        }
        const auto &e = (*plugin)->entry();
        fmt::print("{:<12} abi {}.{}  v{:<8} {}  ({})\n", e.name, e.abi_major, e.abi_minor,
                   e.version ? e.version : "?", e.description ? e.description : "", f.string());
    }
    return rc;
}

} // namespace scxd
