// Logging under systemd: spdlog levels map to the sd-daemon priority prefixes,
// and stderr counts as the journal only when $JOURNAL_STREAM names exactly the
// file on fd 2.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <catch2/catch_test_macros.hpp>

#include "sys/log.hpp"
#include "temp_dir.hpp"

namespace {

using scxd::journal_prefix;
using scxd::journal_stream_matches;
namespace lvl = spdlog::level;

// Sets (or unsets) $JOURNAL_STREAM for one scope; the test runner's own value
// comes back.
class JournalStreamEnv {
public:
    explicit JournalStreamEnv(const std::optional<std::string> &value)
    {
        if (const char *old = std::getenv("JOURNAL_STREAM"))
            saved_ = old;
        if (value)
            setenv("JOURNAL_STREAM", value->c_str(), 1);
        else
            unsetenv("JOURNAL_STREAM");
    }
    JournalStreamEnv(const JournalStreamEnv &) = delete;
    JournalStreamEnv &operator=(const JournalStreamEnv &) = delete;
    ~JournalStreamEnv()
    {
        if (saved_)
            setenv("JOURNAL_STREAM", saved_->c_str(), 1);
        else
            unsetenv("JOURNAL_STREAM");
    }

private:
    std::optional<std::string> saved_;
};

// fd 2 points at a file for one scope, so what the code under test writes can
// be read back.
class StderrToFile {
public:
    explicit StderrToFile(const std::filesystem::path &file)
    {
        std::fflush(stderr);
        saved_ = dup(STDERR_FILENO);
        REQUIRE(saved_ >= 0);
        const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
        close(fd);
    }
    StderrToFile(const StderrToFile &) = delete;
    StderrToFile &operator=(const StderrToFile &) = delete;
    ~StderrToFile()
    {
        std::fflush(stderr);
        dup2(saved_, STDERR_FILENO);
        close(saved_);
    }

private:
    int saved_ = -1;
};

std::string dev_ino(const struct stat &st)
{
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::string read_file(const std::filesystem::path &p)
{
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("each spdlog level has its sd-daemon priority prefix", "[log]")
{
    CHECK(journal_prefix(lvl::trace) == "<7>");
    CHECK(journal_prefix(lvl::debug) == "<7>");
    CHECK(journal_prefix(lvl::info) == "<6>");
    CHECK(journal_prefix(lvl::warn) == "<4>");
    CHECK(journal_prefix(lvl::err) == "<3>");
    CHECK(journal_prefix(lvl::critical) == "<2>");
    CHECK(journal_prefix(lvl::off).empty());
}

TEST_CASE("the journal formatter writes the prefix and the message only", "[log]")
{
    const auto formatter = scxd::make_journal_formatter();
    for (const auto &[level, want] :
         {std::pair{lvl::err, "<3>policy failed\n"}, std::pair{lvl::warn, "<4>policy failed\n"},
          std::pair{lvl::info, "<6>policy failed\n"},
          std::pair{lvl::debug, "<7>policy failed\n"}}) {
        const spdlog::details::log_msg msg("scxd", level, "policy failed");
        spdlog::memory_buf_t out;
        formatter->format(msg, out);
        CHECK(std::string(out.data(), out.size()) == want);
    }
}

TEST_CASE("JOURNAL_STREAM matches only the same device and inode", "[log]")
{
    CHECK(journal_stream_matches("8:1234", 8, 1234));
    CHECK(journal_stream_matches("66306:18446744073709551615", 66306, ~ino_t{0}));
    CHECK_FALSE(journal_stream_matches("8:1234", 8, 1235));
    CHECK_FALSE(journal_stream_matches("9:1234", 8, 1234));
    CHECK_FALSE(journal_stream_matches(nullptr, 8, 1234));
    CHECK_FALSE(journal_stream_matches("", 8, 1234));
    CHECK_FALSE(journal_stream_matches("8", 8, 1234));
    CHECK_FALSE(journal_stream_matches("8:", 8, 1234));
    CHECK_FALSE(journal_stream_matches(":1234", 8, 1234));
    CHECK_FALSE(journal_stream_matches("8:1234x", 8, 1234));
    CHECK_FALSE(journal_stream_matches("-8:1234", 8, 1234));
    CHECK_FALSE(journal_stream_matches("8:1234:5", 8, 1234));
}

TEST_CASE("stderr is the journal only when JOURNAL_STREAM names fd 2", "[log]")
{
    const scxd::test::TempDir dir;
    const auto log = dir / "stderr.log";
    const auto other = dir.write("other", "");
    struct stat other_st {};
    REQUIRE(stat(other.c_str(), &other_st) == 0);

    const StderrToFile redirect(log);
    struct stat st {};
    REQUIRE(fstat(STDERR_FILENO, &st) == 0);

    SECTION("unset: the terminal format")
    {
        const JournalStreamEnv env(std::nullopt);
        CHECK_FALSE(scxd::stderr_is_journal());
        scxd::print_error("scxd.toml: bad key");
        CHECK(read_file(log) == "scxd: scxd.toml: bad key\n");
    }
    SECTION("another file (stderr redirected inside the unit): the terminal format")
    {
        const JournalStreamEnv env(dev_ino(other_st));
        CHECK_FALSE(scxd::stderr_is_journal());
        scxd::print_error("scxd.toml: bad key");
        CHECK(read_file(log) == "scxd: scxd.toml: bad key\n");
    }
    SECTION("fd 2 itself: the error priority, no name")
    {
        const JournalStreamEnv env(dev_ino(st));
        CHECK(scxd::stderr_is_journal());
        scxd::print_error("scxd.toml: bad key");
        CHECK(read_file(log) == "<3>scxd.toml: bad key\n");
    }
}
