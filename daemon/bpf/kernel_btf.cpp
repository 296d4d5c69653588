#include "bpf/kernel_btf.hpp"

#include <bpf/btf.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

namespace scxd {
namespace {

struct BtfDeleter {
    void operator()(btf *b) const { btf__free(b); }
};

std::optional<std::uint64_t> find_in(const btf *b, const btf_type *t, const std::string &name)
{
    const auto n = btf_vlen(t);
    if (btf_is_enum(t)) {
        const struct btf_enum *e = btf_enum(t);
        for (unsigned i = 0; i < n; ++i, ++e)
            if (name == btf__name_by_offset(b, e->name_off))
                return static_cast<std::uint32_t>(e->val);
    } else if (btf_is_enum64(t)) {
        const struct btf_enum64 *e = btf_enum64(t);
        for (unsigned i = 0; i < n; ++i, ++e)
            if (name == btf__name_by_offset(b, e->name_off))
                return btf_enum64_value(e);
    }
    return std::nullopt;
}

} // namespace

Result<std::uint64_t> kernel_enum_value(const std::string &enum_name, const std::string &name)
{
    std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux)
        return Error{fmt::format("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): {}: "
                                 "scxd needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
                                 std::strerror(errno))};
    const auto *b = vmlinux.get();
    for (const int kind : {static_cast<int>(BTF_KIND_ENUM), static_cast<int>(BTF_KIND_ENUM64)}) {
        const int id = btf__find_by_name_kind(b, enum_name.c_str(), kind);
        if (id <= 0)
            continue;
        if (auto v = find_in(b, btf__type_by_id(b, id), name))
            return *v;
    }
    return Error{fmt::format("this kernel has no {} in enum {}: it is too old for this scxd "
                             "feature",
                             name, enum_name)};
}

} // namespace scxd
