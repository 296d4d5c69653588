#include "core/exit_info.hpp"

#include <fmt/format.h>

namespace scxd {
namespace {

// enum scx_exit_kind values; stable kernel ABI since 6.12.
constexpr std::int32_t exit_unreg = 64;
constexpr std::int32_t exit_unreg_bpf = 65;
constexpr std::int32_t exit_unreg_kern = 66;
constexpr std::int32_t exit_sysrq = 67;
// SCX_ECODE_ACT_RESTART: bit 48 of exit_code.
constexpr std::int64_t ecode_act_restart = std::int64_t{1} << 48;

const char *kind_name(std::int32_t kind)
{
    switch (kind) {
    case 0: return "none";
    case 1: return "done";
    case exit_unreg: return "unregistered";
    case exit_unreg_bpf: return "unregistered_by_bpf";
    case exit_unreg_kern: return "unregistered_by_kernel";
    case exit_sysrq: return "sysrq";
    case 68: return "parent";
    case 69: return "parent_kill";
    case 1024: return "error";
    case 1025: return "error_bpf";
    case 1026: return "error_stall";
    case 1027: return "error_reenq";
    case 1028: return "error_rescue";
    default: return "unknown";
    }
}

} // namespace

bool ExitInfo::requested_by_user() const { return kind == exit_unreg; }

bool ExitInfo::wants_restart() const { return (exit_code & ecode_act_restart) != 0; }

std::string ExitInfo::describe() const
{
    std::string line = fmt::format("kind={}({}) exit_code={:#x} reason=\"{}\"", kind_name(kind),
                                   kind, static_cast<std::uint64_t>(exit_code), reason);
    if (!message.empty())
        line += fmt::format(" message=\"{}\"", message);
    return line;
}

} // namespace scxd
