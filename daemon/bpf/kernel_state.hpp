// What /sys/kernel/sched_ext says, checked before we try to load anything.
#pragma once

#include <string>

#include "core/result.hpp"

namespace scxd {

// Ok when this kernel has sched_ext and no scheduler is loaded; otherwise a one-line reason
// with the fix.
Status check_sched_ext_available();

// Contents of /sys/kernel/sched_ext/<name> without the trailing newline ("" if unreadable).
std::string read_sched_ext_file(const std::string &name);

} // namespace scxd
