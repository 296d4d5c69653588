// scxd/policy.hpp as plugin authors compile it (-std=c++20 -pedantic -Werror, g++ and
// clang++): the adapter's construction paths, its exception walls, optional callbacks and the
// typed parameters, driven through the C ABI exactly as the daemon calls it.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <scxd/policy.hpp>

namespace {

int failures = 0;

void check(bool ok, const char *what, int line)
{
    if (!ok) {
        std::fprintf(stderr, "test_policy_hpp.cpp:%d: FAILED: %s\n", line, what);
        ++failures;
    }
}
#define CHECK(expr) check((expr), #expr, __LINE__)

// A host like the daemon's: typed parameters, an integer is also a number.
struct FakeHost {
    using Value = std::variant<std::int64_t, double, std::string>;
    std::map<std::string, Value> params;
    std::vector<std::string> logged;
    scxd_host abi{};

    FakeHost()
    {
        abi.struct_size = sizeof(scxd_host);
        abi.abi_minor = SCXD_POLICY_ABI_MINOR;
        abi.nr_cpus = 4;
        abi.max_tasks = 128;
        abi.default_slice_ns = 5'000'000;
        abi.now_ns = [](const scxd_host *) -> std::uint64_t { return 42; };
        abi.log = [](const scxd_host *h, scxd_log_level, const char *msg) {
            self(h).logged.emplace_back(msg);
        };
        abi.param_i64 = [](const scxd_host *h, const char *key, std::int64_t *out) {
            return get(h, key, out);
        };
        abi.param_f64 = [](const scxd_host *h, const char *key, double *out) {
            const auto it = self(h).params.find(key);
            if (it != self(h).params.end() && std::holds_alternative<std::int64_t>(it->second)) {
                *out = static_cast<double>(std::get<std::int64_t>(it->second));
                return 0;
            }
            return get(h, key, out);
        };
        abi.param_str = [](const scxd_host *h, const char *key, const char **out) {
            const std::string *s = nullptr;
            const int rc = get(h, key, &s);
            if (rc == 0)
                *out = s->c_str();
            return rc;
        };
        abi.host_data = this;
    }

    static FakeHost &self(const scxd_host *h) { return *static_cast<FakeHost *>(h->host_data); }

    template <typename T> static int get(const scxd_host *h, const char *key, T *out)
    {
        const auto it = self(h).params.find(key);
        if (it == self(h).params.end())
            return 1;
        const auto *v = std::get_if<std::remove_const_t<std::remove_pointer_t<T>>>(&it->second);
        if (v == nullptr)
            return -1;
        if constexpr (std::is_pointer_v<T>)
            *out = v;
        else
            *out = *v;
        return 0;
    }
};

int live = 0; // instances alive: destroy must delete what create made

// The full shape: Host constructor, noexcept hot path, on_exit, nr_pending, a kept Host&.
class Stack {
public:
    explicit Stack(const scxd::Host &host)
        : host_(host), held_(host.max_tasks()),
          slice_ns_(host.param<std::uint32_t>("slice_us", 1000) * 1000ULL)
    {
        ++live;
        host.log(SCXD_LOG_INFO, "stack ready");
    }
    ~Stack() { --live; }
    Stack(const Stack &) = delete;
    Stack &operator=(const Stack &) = delete;

    int on_enqueue(const scxd_task &task) noexcept
    {
        if (n_ == held_.size())
            return -1;
        held_[n_] = scxd_decision_for(&task, SCXD_CPU_ANY);
        held_[n_].slice_ns = slice_ns_;
        held_[n_++].vtime = host_.now();
        return 0;
    }
    bool pick(scxd_decision &out) noexcept
    {
        if (n_ == 0)
            return false;
        out = held_[--n_];
        return true;
    }
    void on_exit(std::int32_t pid) noexcept { last_exit = pid; }
    [[nodiscard]] std::uint64_t nr_pending() const noexcept { return n_; }

    static inline std::int32_t last_exit = 0;

private:
    const scxd::Host &host_;
    std::vector<scxd_decision> held_;
    std::size_t n_ = 0;
    std::uint64_t slice_ns_;
};

// Hot-path methods that throw (not noexcept): the adapter must keep that from the C ABI.
class Throwing {
public:
    int on_enqueue(const scxd_task &task)
    {
        if (task.pid == 13)
            throw std::runtime_error("unlucky");
        return 0;
    }
    bool pick(scxd_decision &) { throw 1; }
    [[nodiscard]] std::uint64_t nr_pending() const { throw std::logic_error("no"); }
    void on_exit(std::int32_t) { throw 2; }
};

// Construction that fails: the reason must come back as one line.
class FailsToStart {
public:
    explicit FailsToStart(const scxd::Host &host)
    {
        (void)host.param<std::int64_t>("depth");
        throw std::runtime_error("first line\nsecond line");
    }
    int on_enqueue(const scxd_task &) noexcept { return 0; }
    bool pick(scxd_decision &) noexcept { return false; }
};

// A static factory that may refuse.
class Factory {
public:
    static std::unique_ptr<Factory> create(const scxd::Host &host)
    {
        if (host.param<std::string>("mode", "on") == "off")
            return nullptr;
        return std::unique_ptr<Factory>(new Factory());
    }
    int on_enqueue(const scxd_task &) noexcept { return 0; }
    bool pick(scxd_decision &) noexcept { return false; }

private:
    Factory() { ++live; }

public:
    ~Factory() { --live; }
};

// Stateless and minimal: default constructor, only the required callbacks.
struct Minimal {
    int on_enqueue(const scxd_task &) noexcept { return 0; }
    bool pick(scxd_decision &) noexcept { return false; }
};

static_assert(scxd::Policy<Stack> && scxd::Policy<Throwing> && scxd::Policy<Factory> &&
              scxd::Policy<Minimal>);
static_assert(!scxd::HasOnExit<Minimal> && !scxd::HasNrPending<Minimal>);

struct Bad { // on_enqueue returns bool: "true" would read as "refused"
    bool on_enqueue(const scxd_task &) noexcept { return true; }
    bool pick(scxd_decision &) noexcept { return false; }
};
static_assert(!scxd::Policy<Bad>);

} // namespace

SCXD_POLICY_CLASS(Stack, "stack", "last in, first out (test)", "1.0");

namespace {

template <typename P> int create(FakeHost &host, void **ctx, std::string *err = nullptr)
{
    char buf[64];
    std::memset(buf, 'x', sizeof(buf));
    const int rc = scxd::detail::Adapter<P>::create(&host.abi, ctx, buf, sizeof(buf));
    if (err) // the buffer is written only on failure
        *err = rc != 0 ? std::string(buf, strnlen(buf, sizeof(buf))) : std::string();
    return rc;
}

scxd_task task_with_pid(std::int32_t pid)
{
    scxd_task t{};
    t.pid = pid;
    t.cookie = static_cast<std::uint64_t>(pid) * 10;
    return t;
}

void test_exported_entry()
{
    const scxd_policy_entry &e = scxd_policy_entry_v1;
    CHECK(e.abi_major == SCXD_POLICY_ABI_MAJOR && e.abi_minor == SCXD_POLICY_ABI_MINOR);
    CHECK(e.struct_size == sizeof(scxd_policy_entry));
    CHECK(std::strcmp(e.name, "stack") == 0 && std::strcmp(e.version, "1.0") == 0);
    CHECK(e.ops->struct_size == sizeof(scxd_policy_ops));
    CHECK(e.ops->on_enqueue && e.ops->pick && e.ops->on_exit && e.ops->nr_pending &&
          e.ops->destroy);
    const auto &min = scxd::detail::Adapter<Minimal>::ops;
    CHECK(min.on_exit == nullptr && min.nr_pending == nullptr && min.destroy != nullptr);
}

void test_stack_through_the_abi()
{
    FakeHost host;
    host.params["slice_us"] = std::int64_t{250};
    const scxd_policy_entry &e = scxd_policy_entry_v1;
    void *ctx = nullptr;
    char err[32] = "";
    CHECK(e.create(&host.abi, &ctx, err, sizeof(err)) == 0 && ctx != nullptr && live == 1);
    CHECK(host.logged.size() == 1 && host.logged[0] == "stack ready");
    for (std::int32_t pid = 1; pid <= 3; ++pid) {
        const scxd_task t = task_with_pid(pid);
        CHECK(e.ops->on_enqueue(ctx, &t) == 0);
    }
    CHECK(e.ops->nr_pending(ctx) == 3);
    scxd_decision d{};
    CHECK(e.ops->pick(ctx, &d) == 1 && d.pid == 3 && d.cookie == 30 && d.slice_ns == 250'000 &&
          d.vtime == 42);
    e.ops->on_exit(ctx, 2);
    CHECK(Stack::last_exit == 2);
    e.ops->destroy(ctx);
    CHECK(live == 0);
}

void test_hot_path_exceptions_stay_inside()
{
    FakeHost host;
    void *ctx = nullptr;
    CHECK(create<Throwing>(host, &ctx) == 0);
    const auto &ops = scxd::detail::Adapter<Throwing>::ops;
    const scxd_task ok = task_with_pid(1);
    const scxd_task unlucky = task_with_pid(13);
    CHECK(ops.on_enqueue(ctx, &ok) == 0);
    CHECK(ops.on_enqueue(ctx, &unlucky) != 0);
    scxd_decision d{};
    CHECK(ops.pick(ctx, &d) == 0);
    CHECK(ops.nr_pending(ctx) == 0);
    ops.on_exit(ctx, 1);
    ops.destroy(ctx);
}

void test_create_failures_are_one_line()
{
    FakeHost host;
    void *ctx = nullptr;
    std::string err;
    CHECK(create<FailsToStart>(host, &ctx, &err) != 0 && ctx == nullptr);
    CHECK(err == "first line second line");

    host.params["depth"] = std::string("deep");
    CHECK(create<FailsToStart>(host, &ctx, &err) != 0);
    CHECK(err == "parameter 'depth' must be an integer");

    host.params["mode"] = std::string("off");
    CHECK(create<Factory>(host, &ctx, &err) != 0 && live == 0);
    CHECK(err == "create() returned no instance");

    host.params["mode"] = std::string("on");
    CHECK(create<Factory>(host, &ctx, &err) == 0 && live == 1);
    scxd::detail::Adapter<Factory>::ops.destroy(ctx);
    CHECK(live == 0);

    host.params["slice_us"] = std::int64_t{-1};
    CHECK(create<Stack>(host, &ctx, &err) != 0 && live == 0);
    CHECK(err == "parameter 'slice_us' = -1 is out of range (0 .. 4294967295)");

    // A reason longer than the buffer is cut, still terminated.
    char small[8];
    scxd::detail::write_error(small, sizeof(small), "0123456789");
    CHECK(std::string(small) == "0123456");
}

void test_params()
{
    FakeHost fake;
    fake.params = {{"n", std::int64_t{300}}, {"x", 0.5}, {"s", std::string("hi")}};
    const scxd::Host host(fake.abi);
    CHECK(host.param<std::int64_t>("n") == 300);
    CHECK(host.param<double>("n") == 300.0); // an integer is a fine number
    CHECK(host.param<float>("x") == 0.5f);
    CHECK(host.param<std::string>("s") == "hi");
    CHECK(!host.param<int>("absent").has_value());
    CHECK(host.param("absent", 7) == 7);
    CHECK(host.param("absent", "dflt") == "dflt");
    CHECK(host.param("s", "dflt") == "hi");
    CHECK(host.nr_cpus() == 4 && host.max_tasks() == 128 && host.default_slice_ns() == 5'000'000);
    CHECK(host.now() == 42);
    std::string what;
    try {
        (void)host.param<std::uint8_t>("n");
    } catch (const std::runtime_error &e) {
        what = e.what();
    }
    CHECK(what == "parameter 'n' = 300 is out of range (0 .. 255)");
    what.clear();
    try {
        (void)host.param<std::string>("x");
    } catch (const std::runtime_error &e) {
        what = e.what();
    }
    CHECK(what == "parameter 'x' must be a string");
}

} // namespace

int main()
{
    test_exported_entry();
    test_stack_through_the_abi();
    test_hot_path_exceptions_stay_inside();
    test_create_failures_are_one_line();
    test_params();
    if (failures == 0)
        std::puts("policy.hpp: all checks passed");
    return failures == 0 ? 0 : 1;
}
