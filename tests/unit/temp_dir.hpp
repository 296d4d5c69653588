// A fresh directory under $TMPDIR, removed with everything in it at scope exit (shared by
// the unit tests that need files on disk).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch_test_macros.hpp>

namespace scxd::test {

class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "scxd-test-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir()
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        // A test may have made it unreadable on purpose; take it back before removing.
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    // Write `text` to a file `name` in the directory and return its path.
    [[nodiscard]] std::filesystem::path write(const std::string &name,
                                              const std::string &text) const
    {
        const auto p = path_ / name;
        std::ofstream(p, std::ios::binary) << text;
        REQUIRE(std::filesystem::is_regular_file(p));
        return p;
    }
    [[nodiscard]] const std::filesystem::path &path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string &name) const
    {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

} // namespace scxd::test
