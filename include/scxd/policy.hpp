/* SPDX-License-Identifier: MIT */
// scxd policy SDK for C++20: write a policy as a class, export it with one macro.
//
//     #include <scxd/policy.hpp>
//
//     class Lifo {
//     public:
//         explicit Lifo(const scxd::Host &host);          // or Lifo(), or a static create()
//         int on_enqueue(const scxd_task &task) noexcept; // 0: taken, non-zero: cannot hold
//         bool pick(scxd_decision &out) noexcept;         // true: *out is the next task
//         void on_exit(std::int32_t pid) noexcept;        // optional
//         std::uint64_t nr_pending() const noexcept;      // optional
//     };
//     SCXD_POLICY_CLASS(Lifo, "lifo", "last in, first out", "1.0");
//
// This header only adapts a class to the C ABI of scxd/policy.h; read that header for what
// each callback means and for the rules of the hot path. What this one adds:
//
// - Construction. The instance is built in the plugin's `create` from `explicit
//   P(const scxd::Host &)`, `P()`, or `static std::unique_ptr<P> create(const scxd::Host &)`
//   (the first one the class has, in this order: create, Host constructor, default).
//   The Host it is given stays valid until the instance is destroyed, so keeping a
//   `const scxd::Host &` is fine. Allocate everything there. An exception thrown while
//   creating (a bad parameter, a std::bad_alloc) becomes the one-line reason the daemon
//   prints; it never crosses the C ABI.
// - The hot path. `on_enqueue`, `pick`, `on_exit` and `nr_pending` should be `noexcept`: then
//   they are called directly. Otherwise each call is wrapped, and an exception makes
//   `on_enqueue` refuse the task (the daemon runs it itself), `pick` return "nothing",
//   `nr_pending` return 0 and `on_exit` do nothing. Nothing is logged: the hot path never logs.
// - Destruction: the plugin's `destroy` deletes the instance.
//
// SCXD_POLICY_CLASS must appear once per plugin, at global namespace scope. Build the plugin
// with -fvisibility=hidden so `scxd_policy_entry_v1` is the only symbol it exports.
#ifndef SCXD_POLICY_HPP
#define SCXD_POLICY_HPP

#if __cplusplus < 202002L
#error "scxd/policy.hpp needs C++20 (-std=c++20); C and older C++ can use scxd/policy.h"
#endif
#if !defined(__cpp_exceptions)
#error "scxd/policy.hpp needs exceptions: drop -fno-exceptions, or use scxd/policy.h"
#endif

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <scxd/policy.h>

namespace scxd {
// The inline namespace keeps these names apart from the daemon's own (its scxd::Host is
// another class) should both ever meet in one program.
inline namespace sdk_v1 {

// The daemon's services (struct scxd_host), typed. A cheap handle (one pointer): keep a copy
// or a reference; either is valid until the policy instance is destroyed.
class Host {
public:
    explicit Host(const scxd_host &abi) noexcept : abi_(&abi) {}

    [[nodiscard]] std::uint32_t nr_cpus() const noexcept { return abi_->nr_cpus; }
    [[nodiscard]] std::uint32_t max_tasks() const noexcept { return abi_->max_tasks; }
    [[nodiscard]] std::uint64_t default_slice_ns() const noexcept { return abi_->default_slice_ns; }
    // CLOCK_MONOTONIC in ns, the clock of scxd_task::enqueue_ns. No system call.
    [[nodiscard]] std::uint64_t now() const noexcept { return abi_->now_ns(abi_); }

    // One line in the daemon's log. Not for the hot path, except for rare events.
    void log(scxd_log_level level, const char *msg) const noexcept { abi_->log(abi_, level, msg); }
    void log(scxd_log_level level, const std::string &msg) const noexcept
    {
        log(level, msg.c_str());
    }

    // The policy's config parameter `key` ([policy.<name>] table), or nullopt when absent.
    // T: an integer type (range-checked), a floating-point type (an integer value is fine)
    // or std::string. A value of another type throws std::runtime_error naming the key.
    // Call it while creating the instance only.
    template <typename T> [[nodiscard]] std::optional<T> param(const char *key) const;

    // The parameter, or `fallback` when it is absent.
    template <typename T> [[nodiscard]] T param(const char *key, T fallback) const
    {
        return param<T>(key).value_or(std::move(fallback));
    }
    [[nodiscard]] std::string param(const char *key, const char *fallback) const
    {
        return param<std::string>(key).value_or(fallback);
    }

    [[nodiscard]] const scxd_host &abi() const noexcept { return *abi_; }

private:
    [[noreturn]] static void wrong_type(const char *key, const char *expected)
    {
        throw std::runtime_error(std::string("parameter '") + key + "' must be " + expected);
    }

    const scxd_host *abi_;
};

template <typename T> std::optional<T> Host::param(const char *key) const
{
    if constexpr (std::is_same_v<T, std::string>) {
        const char *v = nullptr;
        const int rc = abi_->param_str(abi_, key, &v);
        if (rc < 0)
            wrong_type(key, "a string");
        return rc == 0 && v != nullptr ? std::optional<T>(v) : std::nullopt;
    } else if constexpr (std::is_floating_point_v<T>) {
        double v = 0;
        const int rc = abi_->param_f64(abi_, key, &v);
        if (rc < 0)
            wrong_type(key, "a number");
        return rc == 0 ? std::optional<T>(static_cast<T>(v)) : std::nullopt;
    } else {
        static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>,
                      "scxd::Host::param<T>: T must be an integer type (not bool), a "
                      "floating-point type or std::string");
        std::int64_t v = 0;
        const int rc = abi_->param_i64(abi_, key, &v);
        if (rc < 0)
            wrong_type(key, "an integer");
        if (rc != 0)
            return std::nullopt;
        if (!std::in_range<T>(v))
            throw std::runtime_error(std::string("parameter '") + key + "' = " + std::to_string(v) +
                                     " is out of range (" +
                                     std::to_string(std::numeric_limits<T>::min()) + " .. " +
                                     std::to_string(std::numeric_limits<T>::max()) + ")");
        return static_cast<T>(v);
    }
}

// What SCXD_POLICY_CLASS looks for in a class.
template <typename P>
concept HasFactory = requires(const Host &host)
{
    {
        P::create(host)
        } -> std::same_as<std::unique_ptr<P>>;
};
template <typename P>
concept Creatable =
    HasFactory<P> || std::constructible_from<P, const Host &> || std::default_initializable<P>;
// `int`, not anything convertible: a `bool` "accepted" would read as "refused".
template <typename P>
concept HasOnEnqueue = requires(P &p, const scxd_task &task)
{
    {
        p.on_enqueue(task)
        } -> std::same_as<int>;
};
template <typename P>
concept HasPick = requires(P &p, scxd_decision &out)
{
    {
        p.pick(out)
        } -> std::convertible_to<bool>;
};
template <typename P>
concept HasOnExit = requires(P &p, std::int32_t pid)
{
    p.on_exit(pid);
};
template <typename P>
concept HasNrPending = requires(P &p)
{
    {
        p.nr_pending()
        } -> std::convertible_to<std::uint64_t>;
};
template <typename P>
concept Policy = Creatable<P> && HasOnEnqueue<P> && HasPick<P> && std::destructible<P>;

namespace detail {

// Copy a reason into the daemon's buffer: one line, truncated, always NUL-terminated.
inline void write_error(char *err, std::size_t errlen, const char *msg) noexcept
{
    if (err == nullptr || errlen == 0)
        return;
    std::size_t n = 0;
    for (; msg != nullptr && msg[n] != '\0' && n + 1 < errlen; ++n)
        err[n] = (msg[n] == '\n' || msg[n] == '\r') ? ' ' : msg[n];
    err[n] = '\0';
}

// A member with this name exists but does not have the shape the adapter needs.
template <typename P>
concept NamesOnExit = requires
{
    &P::on_exit;
};
template <typename P>
concept NamesNrPending = requires
{
    &P::nr_pending;
};

template <typename P> P construct(const Host &host)
{
    if constexpr (std::constructible_from<P, const Host &>)
        return P(host);
    else
        return P();
}

// One instance as `ctx` points at it: the policy next to the Host it was given, so a policy
// may keep `const scxd::Host &` for its whole life.
template <typename P, bool = HasFactory<P>> struct Instance {
    explicit Instance(const scxd_host &abi) : host(abi), policy(construct<P>(host)) {}
    [[nodiscard]] bool valid() const noexcept { return true; }
    P &get() noexcept { return policy; }

    Host host;
    P policy;
};

template <typename P> struct Instance<P, true> {
    explicit Instance(const scxd_host &abi) : host(abi), policy(P::create(host)) {}
    [[nodiscard]] bool valid() const noexcept { return policy != nullptr; }
    P &get() noexcept { return *policy; }

    Host host;
    std::unique_ptr<P> policy;
};

// The C ABI callbacks for class P. Hidden: the plugin exports only its entry.
template <typename P> struct __attribute__((visibility("hidden"))) Adapter {
    static_assert(Creatable<P>, "scxd policy class: give it `explicit P(const scxd::Host &)`, "
                                "`P()` or `static std::unique_ptr<P> create(const scxd::Host &)`");
    static_assert(HasOnEnqueue<P>,
                  "scxd policy class: needs `int on_enqueue(const scxd_task &) noexcept`");
    static_assert(HasPick<P>, "scxd policy class: needs `bool pick(scxd_decision &) noexcept`");
    static_assert(HasOnExit<P> || !NamesOnExit<P>,
                  "scxd policy class: on_exit must be callable as `void on_exit(std::int32_t)`");
    static_assert(HasNrPending<P> || !NamesNrPending<P>,
                  "scxd policy class: nr_pending must be `std::uint64_t nr_pending() const`");

    static int create(const scxd_host *abi, void **ctx, char *err, std::size_t errlen) noexcept
    {
        try {
            auto inst = std::make_unique<Instance<P>>(*abi);
            if (!inst->valid()) {
                write_error(err, errlen, "create() returned no instance");
                return -1;
            }
            *ctx = inst.release();
            return 0;
        } catch (const std::bad_alloc &) {
            write_error(err, errlen, "out of memory while creating the policy");
        } catch (const std::exception &e) {
            write_error(err, errlen, e.what());
        } catch (...) {
            write_error(err, errlen, "creating the policy threw an unknown exception");
        }
        return -1;
    }

    static P &self(void *ctx) noexcept { return static_cast<Instance<P> *>(ctx)->get(); }

    static int on_enqueue(void *ctx, const scxd_task *task) noexcept
    {
        if constexpr (noexcept(self(ctx).on_enqueue(*task))) {
            return self(ctx).on_enqueue(*task);
        } else {
            try {
                return self(ctx).on_enqueue(*task);
            } catch (...) {
                return -1; // refused: the daemon runs the task itself
            }
        }
    }

    static int pick(void *ctx, scxd_decision *out) noexcept
    {
        if constexpr (noexcept(self(ctx).pick(*out))) {
            return self(ctx).pick(*out) ? 1 : 0;
        } else {
            try {
                return self(ctx).pick(*out) ? 1 : 0;
            } catch (...) {
                return 0;
            }
        }
    }

    static void on_exit(void *ctx, std::int32_t pid) noexcept
    {
        if constexpr (HasOnExit<P>) {
            if constexpr (noexcept(self(ctx).on_exit(pid))) {
                self(ctx).on_exit(pid);
            } else {
                try {
                    self(ctx).on_exit(pid);
                } catch (...) { // a stale entry is harmless; the hot path cannot report it
                }
            }
        }
    }

    static std::uint64_t nr_pending(void *ctx) noexcept
    {
        if constexpr (HasNrPending<P>) {
            if constexpr (noexcept(self(ctx).nr_pending())) {
                return self(ctx).nr_pending();
            } else {
                try {
                    return self(ctx).nr_pending();
                } catch (...) {
                    return 0;
                }
            }
        } else {
            return 0;
        }
    }

    static void destroy(void *ctx) noexcept { delete static_cast<Instance<P> *>(ctx); }

    static constexpr scxd_policy_ops ops = {
        sizeof(scxd_policy_ops),
        0,
        &Adapter::on_enqueue,
        &Adapter::pick,
        HasOnExit<P> ? &Adapter::on_exit : nullptr,
        HasNrPending<P> ? &Adapter::nr_pending : nullptr,
        &Adapter::destroy,
    };
};

} // namespace detail
} // namespace sdk_v1
} // namespace scxd

// Export class `Class_` as this plugin's policy. Once per plugin, at global namespace scope,
// followed by a semicolon. `name_` is [a-z0-9_-]+; all three strings are literals.
#define SCXD_POLICY_CLASS(Class_, name_, description_, version_)                                   \
    SCXD_POLICY_DEFINE((name_), (description_), (version_), &::scxd::detail::Adapter<Class_>::ops, \
                       &::scxd::detail::Adapter<Class_>::create)

#endif // SCXD_POLICY_HPP
