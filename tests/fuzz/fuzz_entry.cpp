// libFuzzer target: the plugin loader's ABI checks (check_entry_image) on made-up bytes, as a
// hostile or broken .so could present them: an entry of any size and contents, an ops table,
// and the name/version/description strings, without dlopen.
// Input: 3 length bytes (entry, ops, name), then the entry, ops and name bytes; the rest is
// the version and then, after a NUL, the description.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/entry_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 3)
        return 0;
    // Copies in exact-size heap blocks: ASan sees any read past what the plugin claimed.
    std::size_t at = 3;
    auto take = [&](std::size_t want) {
        const std::size_t n = std::min(want, size - at);
        std::vector<std::byte> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = static_cast<std::byte>(data[at + i]);
        at += n;
        return v;
    };
    const auto entry = take(data[0]);
    const auto ops = take(data[1]);
    const auto name_bytes = take(data[2]);
    const std::string name(reinterpret_cast<const char *>(name_bytes.data()), name_bytes.size());
    const std::string_view rest(reinterpret_cast<const char *>(data + at), size - at);
    const auto nul = rest.find('\0');
    const std::string version(rest.substr(0, nul));
    const std::string description(nul == std::string_view::npos ? "" : rest.substr(nul + 1));

    const scxd::EntryImage image{std::span(entry), std::span(ops), name, version, description};
    const auto st = scxd::check_entry_image(image, "fuzz.so");
    if (!st) {
        const auto &m = st.error().message;
        if (m.rfind("fuzz.so: ", 0) != 0 || m.find_first_of("\n\r") != std::string::npos)
            std::abort(); // every refusal is one line naming the file
        return 0;
    }
    // Accepted: then the name is what `scxd policies` and --policy can use.
    if (name.empty() || name.size() > scxd::max_policy_name_len || ops.size() < 24)
        std::abort();
    return 0;
}
