#include "plugin/entry_check.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace scxd {
namespace {

// abi_major .. reserved: what every version of the entry starts with.
constexpr std::size_t entry_header_size = offsetof(scxd_policy_entry, name);
// Smallest tables ABI 1.0 can work with: everything up to and including `create` / `pick`.
constexpr std::size_t min_entry_size = offsetof(scxd_policy_entry, create) + sizeof(void *);
constexpr std::size_t ops_header_size = offsetof(scxd_policy_ops, on_enqueue);
constexpr std::size_t min_ops_size = offsetof(scxd_policy_ops, pick) + sizeof(void *);

// A field of a struct given as bytes; memcpy because the bytes need not be aligned. The
// caller has checked that `bytes` holds it.
template <typename T> T field(std::span<const std::byte> bytes, std::size_t offset)
{
    T v{};
    std::memcpy(&v, bytes.data() + offset, sizeof v);
    return v;
}

// Pointers are only compared with NULL: an integer of the same size says just that.
bool has_pointer(std::span<const std::byte> bytes, std::size_t offset)
{
    return field<std::uintptr_t>(bytes, offset) != 0;
}

bool valid_name(std::string_view name)
{
    return !name.empty() && name.size() <= max_policy_name_len &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
           });
}

// `scxd policies` prints these on one line of a table.
bool printable(std::string_view s, std::size_t max)
{
    return s.size() <= max && std::none_of(s.begin(), s.end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
           });
}

std::string rebuild_hint() { return "rebuild it against this scxd's include/scxd/policy.h"; }

// Whichever is smaller: what the struct claims, or what the image holds.
std::size_t claimed(std::span<const std::byte> bytes, std::size_t size_offset)
{
    return std::min<std::size_t>(field<std::uint32_t>(bytes, size_offset), bytes.size());
}

Status check_ops(std::span<const std::byte> ops, const std::string &where)
{
    auto fail = [&](const std::string &what) { return Error{fmt::format("{}: {}", where, what)}; };
    const std::size_t size = ops.size() < ops_header_size
                                 ? ops.size()
                                 : claimed(ops, offsetof(scxd_policy_ops, struct_size));
    if (size < min_ops_size)
        return fail(fmt::format("scxd_policy_ops is {} bytes, ABI v1 needs at least {}: {}", size,
                                min_ops_size, rebuild_hint()));
    if (!has_pointer(ops, offsetof(scxd_policy_ops, on_enqueue)) ||
        !has_pointer(ops, offsetof(scxd_policy_ops, pick)))
        return fail("the ops table lacks on_enqueue or pick, which every policy must provide");
    return Ok{};
}

std::string_view bounded(const char *s, std::size_t max)
{
    return s == nullptr ? std::string_view{} : std::string_view(s, strnlen(s, max + 1));
}

} // namespace

Status check_entry_image(const EntryImage &image, const std::string &where)
{
    auto fail = [&](const std::string &what) { return Error{fmt::format("{}: {}", where, what)}; };
    const auto e = image.entry;
    if (e.size() < entry_header_size)
        return fail(fmt::format("scxd_policy_entry_v1 is {} bytes, ABI v1 needs at least {}: {}",
                                e.size(), min_entry_size, rebuild_hint()));
    const auto major = field<std::uint32_t>(e, offsetof(scxd_policy_entry, abi_major));
    if (major != SCXD_POLICY_ABI_MAJOR)
        return fail(fmt::format("built for policy ABI v{}, this scxd supports v{}: {}", major,
                                SCXD_POLICY_ABI_MAJOR, rebuild_hint()));
    const std::size_t size = claimed(e, offsetof(scxd_policy_entry, struct_size));
    if (size < min_entry_size)
        return fail(fmt::format("scxd_policy_entry_v1 is {} bytes, ABI v1 needs at least {}: {}",
                                size, min_entry_size, rebuild_hint()));
    if (!has_pointer(e, offsetof(scxd_policy_entry, name)) || !valid_name(image.name))
        return fail("the policy name must be 1-64 characters of [a-z0-9_-]");
    if (has_pointer(e, offsetof(scxd_policy_entry, version)) &&
        !printable(image.version, max_policy_version_len))
        return fail(fmt::format("the version string must be at most {} characters on one line",
                                max_policy_version_len));
    if (has_pointer(e, offsetof(scxd_policy_entry, description)) &&
        !printable(image.description, max_policy_description_len))
        return fail(fmt::format("the description must be at most {} characters on one line",
                                max_policy_description_len));
    if (!has_pointer(e, offsetof(scxd_policy_entry, create)))
        return fail("the entry has no create function");
    if (!has_pointer(e, offsetof(scxd_policy_entry, ops)))
        return fail("the entry has no ops table");
    return check_ops(image.ops, where);
}

EntryImage read_entry_image(const scxd_policy_entry *entry)
{
    const auto *raw = reinterpret_cast<const std::byte *>(entry);
    EntryImage image{{raw, entry_header_size}, {}, {}, {}, {}};
    if (entry->abi_major != SCXD_POLICY_ABI_MAJOR)
        return image;
    image.entry = {raw, std::min<std::size_t>(entry->struct_size, sizeof *entry)};
    if (image.entry.size() < min_entry_size)
        return image; // the pointers are not there: check_entry_image refuses it
    image.name = bounded(entry->name, max_policy_name_len);
    image.version = bounded(entry->version, max_policy_version_len);
    image.description = bounded(entry->description, max_policy_description_len);
    if (entry->ops != nullptr) {
        const auto *ops = reinterpret_cast<const std::byte *>(entry->ops);
        image.ops = {ops, std::min<std::size_t>(entry->ops->struct_size, sizeof *entry->ops)};
    }
    return image;
}

} // namespace scxd
