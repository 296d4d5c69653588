#include "config/nesting.hpp"

#include <fmt/format.h>

namespace scxd {
namespace {

// Walks the text the way a TOML lexer does, as far as strings and comments go: what is between
// quotes is never a key separator.
class DepthScanner {
public:
    explicit DepthScanner(std::string_view text) : text_(text) {}

    // Position (1-based) of the first dot past the limit; line 0 when there is none.
    struct Hit {
        std::size_t line = 0;
        std::size_t column = 0;
    };

    Hit scan()
    {
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '#')
                skip_until_newline();
            else if (c == '"' || c == '\'')
                skip_string(c);
            else if (c == '.' && ++dots_ > max_key_depth - 1)
                return {line_, i_ - line_start_ + 1};
            else
                step(c);
        }
        return {};
    }

private:
    // A dot counts towards the key it is in: any of these ends that key (values such as 1.5
    // add a dot or two between '=' and the next newline or comma, far below the limit).
    void step(char c)
    {
        if (c == '=' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\n')
            dots_ = 0;
        advance();
    }

    void advance()
    {
        if (text_[i_] == '\n') {
            ++line_;
            line_start_ = i_ + 1;
        }
        ++i_;
    }

    void skip_until_newline()
    {
        while (i_ < text_.size() && text_[i_] != '\n')
            ++i_;
    }

    void skip_string(char quote)
    {
        const bool multi = text_.substr(i_, 3) == std::string(3, quote);
        const std::size_t open = multi ? 3 : 1;
        for (std::size_t k = 0; k < open; ++k)
            advance();
        while (i_ < text_.size()) {
            if (quote == '"' && text_[i_] == '\\') {
                advance();
                if (i_ < text_.size())
                    advance();
                continue;
            }
            if (multi ? text_.substr(i_, 3) == std::string(3, quote) : text_[i_] == quote) {
                for (std::size_t k = 0; k < open; ++k)
                    advance();
                return;
            }
            if (!multi && text_[i_] == '\n')
                return; // unterminated: toml++ reports it
            advance();
        }
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
    std::size_t dots_ = 0;
};

} // namespace

Status check_key_depth(std::string_view text, const std::filesystem::path &file)
{
    const auto hit = DepthScanner(text).scan();
    if (hit.line == 0)
        return Ok{};
    return Error{fmt::format("{}:{}:{}: a dotted key or table header with more than {} parts: "
                             "nest fewer levels",
                             file.string(), hit.line, hit.column, max_key_depth)};
}

} // namespace scxd
