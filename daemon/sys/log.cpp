#include "sys/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <systemd/sd-daemon.h>

namespace scxd {
namespace {

// "%J" in a pattern: the sd-daemon priority prefix of the message's level.
class PriorityFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg &msg, const std::tm &,
                spdlog::memory_buf_t &dest) override
    {
        const auto prefix = journal_prefix(msg.level);
        dest.append(prefix.data(), prefix.data() + prefix.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override
    {
        return std::make_unique<PriorityFlag>();
    }
};

template <typename T> bool parse_number(std::string_view text, T *out)
{
    if (text.empty())
        return false;
    const auto *end = text.data() + text.size();
    // from_chars reads [data, end): no terminator needed.
    const auto [ptr, ec] = std::from_chars(
        text.data(), end, *out); // NOLINT(bugprone-suspicious-stringview-data-usage)
    return ec == std::errc{} && ptr == end;
}

} // namespace

std::string_view journal_prefix(spdlog::level::level_enum level)
{
    switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return SD_DEBUG;
    case spdlog::level::info: return SD_INFO;
    case spdlog::level::warn: return SD_WARNING;
    case spdlog::level::err: return SD_ERR;
    case spdlog::level::critical: return SD_CRIT;
    default: return {};
    }
}

bool journal_stream_matches(const char *journal_stream, dev_t dev, ino_t ino)
{
    if (journal_stream == nullptr)
        return false;
    const std::string_view text(journal_stream);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        return false;
    unsigned long long want_dev = 0;
    unsigned long long want_ino = 0;
    if (!parse_number(text.substr(0, colon), &want_dev) ||
        !parse_number(text.substr(colon + 1), &want_ino))
        return false;
    return want_dev == static_cast<unsigned long long>(dev) &&
           want_ino == static_cast<unsigned long long>(ino);
}

bool stderr_is_journal()
{
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return journal_stream_matches(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

std::unique_ptr<spdlog::formatter> make_journal_formatter()
{
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PriorityFlag>('J').set_pattern("%J%v");
    return formatter;
}

void setup_logging()
{
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = spdlog::stderr_logger_mt("scxd");
        logger->set_formatter(make_journal_formatter());
    } else {
        logger = spdlog::stderr_color_mt("scxd");
        logger->set_pattern("scxd: %^%l%$: %v");
    }
    spdlog::set_default_logger(logger);
}

void print_error(std::string_view message)
{
    if (stderr_is_journal())
        fmt::print(stderr, SD_ERR "{}\n", message);
    else
        fmt::print(stderr, "scxd: {}\n", message);
}

} // namespace scxd
