#include "bpf/kernel_state.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace scxd {

namespace {
constexpr const char *sysfs_dir = "/sys/kernel/sched_ext";
}

std::string read_sched_ext_file(const std::string &name)
{
    std::ifstream in(std::filesystem::path(sysfs_dir) / name);
    std::string line;
    std::getline(in, line);
    return line;
}

Status check_sched_ext_available()
{
    std::error_code ec;
    if (!std::filesystem::exists(sysfs_dir, ec))
        return Error{fmt::format("this kernel has no sched_ext ({} is missing): boot a kernel "
                                 "built with CONFIG_SCHED_CLASS_EXT=y (Linux 6.12 or later)",
                                 sysfs_dir)};
    const auto state = read_sched_ext_file("state");
    if (state != "disabled") {
        const auto ops = read_sched_ext_file("root/ops");
        return Error{fmt::format("a sched_ext scheduler is already {} (ops \"{}\", "
                                 "{}/state): stop it first",
                                 state.empty() ? "loaded" : state, ops, sysfs_dir)};
    }
    return Ok{};
}

} // namespace scxd
