// Where scxd's log lines go and how they look: on a terminal "scxd: LEVEL:
// message"; under systemd, when stderr is the journal's stream, "<N>message" so
// the journal stores each line with its syslog priority and adds the timestamp
// and identifier itself.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace scxd {

// sd-daemon(3) prefix for a spdlog level ("<3>" for error ...); empty for
// `off`.
std::string_view journal_prefix(spdlog::level::level_enum level);

// True when $JOURNAL_STREAM ("DEV:INO", both decimal) names the file with this
// dev and inode. systemd sets it for a service whose stdout or stderr goes to
// the journal; comparing with stderr's own fstat tells a redirected stderr
// (2>file under the same unit) apart.
bool journal_stream_matches(const char *journal_stream, dev_t dev, ino_t ino);

// The check above on this process's environment and fd 2.
bool stderr_is_journal();

// Pattern formatter for the journal: priority prefix and the message, nothing
// else.
std::unique_ptr<spdlog::formatter> make_journal_formatter();

// The default logger "scxd" on stderr, in the journal or the terminal format.
void setup_logging();

// A one-line error outside the logger (bad config, `scxd check`): "scxd:
// MESSAGE" on a terminal, "<3>MESSAGE" in the journal so ExecStartPre failures
// show as errors.
void print_error(std::string_view message);

} // namespace scxd
