#include "plugin/plugin.hpp"

#include "core/text.hpp"
#include "plugin/entry_check.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace scxd {
namespace {

constexpr int max_other_major = 16;

// A plugin built for another major exports scxd_policy_entry_vN instead of _v1.
int other_major(void *handle)
{
    for (int major = 0; major <= max_other_major; ++major) {
        if (major == SCXD_POLICY_ABI_MAJOR)
            continue;
        const auto sym = fmt::format("scxd_policy_entry_v{}", major);
        if (dlsym(handle, sym.c_str()) != nullptr)
            return major;
    }
    return -1;
}

std::string rebuild_hint() { return "rebuild it against this scxd's include/scxd/policy.h"; }

} // namespace

Status validate_entry(const scxd_policy_entry *e, const std::string &where)
{
    return check_entry_image(read_entry_image(e), where);
}

Result<std::shared_ptr<Plugin>> Plugin::open(const std::filesystem::path &path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return Error{fmt::format("policy plugin {}: no such file: give an installed policy "
                                 "name (see 'scxd policies') or a path to a .so",
                                 path.string())};
    // Absolute: a bare "x.so" would make dlopen search the library path, not the file we
    // just checked.
    const auto abs = std::filesystem::absolute(path, ec);
    void *handle = dlopen((ec ? path : abs).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char *why = dlerror();
        return Error{fmt::format("policy plugin {}: cannot load: {}", path.string(),
                                 why ? why : "unknown dlopen error")};
    }
    auto close_on_error = [handle](Error e) -> Result<std::shared_ptr<Plugin>> {
        dlclose(handle);
        return e;
    };
    const auto *entry =
        static_cast<const scxd_policy_entry *>(dlsym(handle, SCXD_POLICY_ENTRY_SYMBOL));
    if (entry == nullptr) {
        if (const int major = other_major(handle); major >= 0)
            return close_on_error(
                Error{fmt::format("{}: built for policy ABI v{}, this scxd supports v{}: {}",
                                  path.string(), major, SCXD_POLICY_ABI_MAJOR, rebuild_hint())});
        return close_on_error(Error{
            fmt::format("{}: not an scxd policy plugin: it does not export {} (define it with "
                        "SCXD_POLICY_DEFINE from scxd/policy.h)",
                        path.string(), SCXD_POLICY_ENTRY_SYMBOL)});
    }
    if (auto st = validate_entry(entry, path.string()); !st)
        return close_on_error(st.error());
    return std::shared_ptr<Plugin>(new Plugin(handle, entry, path)); // private ctor
}

Plugin::~Plugin()
{
    if (handle_ != nullptr)
        dlclose(handle_);
}

Result<std::unique_ptr<PolicyInstance>> PolicyInstance::create(std::shared_ptr<Plugin> plugin,
                                                               const HostConfig &config)
{
    const auto &e = plugin->entry();
    auto host = std::make_unique<Host>(e.name, config);
    std::array<char, 256> err{};
    void *ctx = nullptr;
    const int rc = e.create(host->abi(), &ctx, err.data(), err.size());
    err.back() = '\0';
    if (rc != 0)
        return Error{fmt::format("policy {} ({}) failed to start: {}", e.name,
                                 plugin->path().string(),
                                 err[0] ? one_line(err.data()) : "create() returned an error")};
    std::unique_ptr<PolicyInstance> inst(new PolicyInstance(std::move(plugin), std::move(host)));
    inst->ctx_ = ctx;
    inst->name_ = e.name;
    return inst;
}

PolicyInstance::~PolicyInstance()
{
    const auto *ops = plugin_->entry().ops;
    if (offsetof(scxd_policy_ops, destroy) + sizeof(void *) <= ops->struct_size && ops->destroy)
        ops->destroy(ctx_);
}

PolicyRef PolicyInstance::ref() const { return PolicyRef(plugin_->entry().ops, ctx_, name_); }

Result<std::filesystem::path> resolve_policy(const std::string &name_or_path,
                                             const std::vector<std::filesystem::path> &dirs)
{
    if (name_or_path.empty())
        return Error{"--policy is empty: give an installed policy name (see 'scxd policies') "
                     "or a path to a .so"};
    if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".so"))
        return std::filesystem::path(name_or_path);
    std::error_code ec;
    for (const auto &dir : dirs) {
        auto candidate = dir / (name_or_path + ".so");
        if (std::filesystem::is_regular_file(candidate, ec))
            return candidate;
    }
    std::string installed;
    for (const auto &f : list_policy_files(dirs))
        installed += (installed.empty() ? "" : ", ") + f.stem().string();
    std::string where;
    for (const auto &dir : dirs)
        where += (where.empty() ? "" : ":") + dir.string();
    return Error{fmt::format("policy '{}' not found in {} (installed: {}): use one of those "
                             "names or give a path to a .so",
                             name_or_path, where, installed.empty() ? "none" : installed)};
}

std::vector<std::filesystem::path> list_policy_files(const std::vector<std::filesystem::path> &dirs)
{
    std::vector<std::filesystem::path> out;
    for (const auto &dir : dirs) {
        std::error_code ec;
        for (const auto &ent : std::filesystem::directory_iterator(dir, ec)) {
            if (ent.path().extension() == ".so" && ent.is_regular_file(ec))
                out.push_back(ent.path());
        }
    }
    std::sort(out.begin(), out.end(),
              [](const auto &a, const auto &b) { return a.filename() < b.filename(); });
    return out;
}

} // namespace scxd
