// Values of the running kernel's enums, read from its BTF (/sys/kernel/btf/vmlinux), so one
// binary uses the right flag bits on every kernel instead of compiled-in constants.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace scxd {

// The value of enumerator `name` of `enum enum_name`, or an error naming both.
Result<std::uint64_t> kernel_enum_value(const std::string &enum_name, const std::string &name);

} // namespace scxd
