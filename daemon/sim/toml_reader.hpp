// Reading one TOML table of a workload with typed getters that turn a wrong value into a
// one-line error naming the file, line:column, the table and the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/result.hpp"

namespace scxd::sim {

class TomlReader {
public:
    // `what` names the table in messages, e.g. "group 'batch'".
    TomlReader(const toml::table &t, std::string what, const std::filesystem::path &file);

    [[nodiscard]] Error fail(const toml::node &n, const std::string &msg) const;
    [[nodiscard]] Error fail(const std::string &msg) const { return fail(t_, msg); }
    // Every key of the table is in `allowed`; `why` qualifies the message.
    [[nodiscard]] Status only(const std::vector<std::string_view> &allowed,
                              std::string_view why = "") const;
    [[nodiscard]] const toml::node *node(std::string_view key) const { return t_.get(key); }

    // Each: nullopt when the key is absent, an error when it has the wrong type or range.
    [[nodiscard]] Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t lo,
                                                              std::int64_t hi) const;
    [[nodiscard]] Result<std::optional<std::string>> string(std::string_view key) const;
    [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view key) const;
    // A string with a unit: "2ms".
    [[nodiscard]] Result<std::optional<std::uint64_t>> duration(std::string_view key) const;
    // A number from 0 to 1, as parts per million.
    [[nodiscard]] Result<std::optional<std::uint64_t>> fraction_ppm(std::string_view key) const;
    // An array of CPU numbers, or a string of ranges: "0-3,6".
    [[nodiscard]] Result<std::optional<std::vector<std::uint32_t>>>
    cpu_list(std::string_view key) const;

private:
    [[nodiscard]] std::string at(const toml::node &n) const;

    const toml::table &t_;
    std::string what_;
    const std::filesystem::path &file_;
};

// Moves a present value into `into`; false (with the error in st) when r failed.
template <typename T> bool take(Result<std::optional<T>> r, T &into, Status &st)
{
    if (!r) {
        st = r.error();
        return false;
    }
    if (const auto &v = *r; v)
        into = *v;
    return true;
}

} // namespace scxd::sim
