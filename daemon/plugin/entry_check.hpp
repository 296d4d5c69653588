// The ABI v1 checks on a plugin's exported entry and its ops table, done on copies of their
// bytes: the loader reads them out of the dlopen()ed library (read_entry_image), tests and the
// fuzz target (tests/fuzz/fuzz_entry.cpp) make them up. No pointer in the bytes is followed.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "scxd/policy.h"

namespace scxd {

// Longest strings the checks look at; a longer one is an error, so readers stop after max + 1.
inline constexpr std::size_t max_policy_name_len = 64;
inline constexpr std::size_t max_policy_version_len = 64;
inline constexpr std::size_t max_policy_description_len = 256;

// What a plugin exports, as bytes. `entry` is the scxd_policy_entry (as many bytes as its
// struct_size claims, at most sizeof(scxd_policy_entry)); `ops` the table entry.ops points to
// (likewise); `name`/`version`/`description` the strings the entry points to, each cut at its
// NUL or after max + 1 characters. A string or table whose pointer is NULL is ignored.
struct EntryImage {
    std::span<const std::byte> entry;
    std::span<const std::byte> ops;
    std::string_view name;
    std::string_view version;
    std::string_view description;
};

// Whether `image` is a usable ABI v1 plugin. The error is one line naming `where` (the file)
// and what to do.
Status check_entry_image(const EntryImage &image, const std::string &where);

// The image of an entry in this process's memory (a dlsym() result): reads only what the entry
// and its ops table claim to hold, and follows their pointers only when the claim covers them.
EntryImage read_entry_image(const scxd_policy_entry *entry);

} // namespace scxd
