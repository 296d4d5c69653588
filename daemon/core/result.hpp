// Errors as values: a value or a one-line, user-facing message. (std::expected is C++23;
// this is the subset we need on g++-12.)
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace scxd {

struct Error {
    std::string message;
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}     // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {} // NOLINT: implicit by design

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() &
    {
        assert(ok());
        return std::get<0>(v_);
    }
    T &&value() &&
    {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T &operator*() & { return value(); }
    T *operator->() { return &value(); }
    [[nodiscard]] const Error &error() const
    {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, Error> v_;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

} // namespace scxd
