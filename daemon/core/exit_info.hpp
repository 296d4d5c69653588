// Why the kernel stopped running our scheduler, as ops.exit() recorded it.
#pragma once

#include <cstdint>
#include <string>

namespace scxd {

struct ExitInfo {
    std::int32_t kind = 0; // enum scx_exit_kind
    std::int64_t exit_code = 0;
    std::string reason;
    std::string message;
    std::string dump; // the kernel's debug dump (first 4 KiB), on errors

    // The kernel unloaded us because we asked (link destroyed / daemon stopping).
    [[nodiscard]] bool requested_by_user() const;
    // The kernel asks user space to load the scheduler again (e.g. CPU hotplug).
    [[nodiscard]] bool wants_restart() const;
    // One line: kind name, reason and message.
    [[nodiscard]] std::string describe() const;
};

} // namespace scxd
