// Loading a policy plugin (.so): dlopen, ABI checks, and one running instance of it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/policy_ref.hpp"
#include "core/result.hpp"
#include "plugin/host.hpp"
#include "scxd/policy.h"

namespace scxd {

// An opened plugin file whose entry passed every ABI check. Move-only; dlclose on destruction.
class Plugin {
public:
    static Result<std::shared_ptr<Plugin>> open(const std::filesystem::path &path);

    Plugin(const Plugin &) = delete;
    Plugin &operator=(const Plugin &) = delete;
    ~Plugin();

    [[nodiscard]] const scxd_policy_entry &entry() const { return *entry_; }
    [[nodiscard]] const std::filesystem::path &path() const { return path_; }
    [[nodiscard]] std::string name() const { return entry_->name; }

private:
    Plugin(void *handle, const scxd_policy_entry *entry, std::filesystem::path path)
        : handle_(handle), entry_(entry), path_(std::move(path))
    {
    }

    void *handle_;
    const scxd_policy_entry *entry_;
    std::filesystem::path path_;
};

// Check an entry against ABI v1; the error names `where` (the file). Exposed for tests and
// for the loader's fuzz target: it only reads memory.
Status validate_entry(const scxd_policy_entry *entry, const std::string &where);

// One created policy instance; calls the plugin's destroy, and keeps the plugin loaded,
// for as long as it lives.
class PolicyInstance {
public:
    static Result<std::unique_ptr<PolicyInstance>> create(std::shared_ptr<Plugin> plugin,
                                                          const HostConfig &config);
    PolicyInstance(const PolicyInstance &) = delete;
    PolicyInstance &operator=(const PolicyInstance &) = delete;
    ~PolicyInstance();

    [[nodiscard]] PolicyRef ref() const;
    [[nodiscard]] const Plugin &plugin() const { return *plugin_; }

private:
    PolicyInstance(std::shared_ptr<Plugin> plugin, std::unique_ptr<Host> host)
        : plugin_(std::move(plugin)), host_(std::move(host))
    {
    }

    std::shared_ptr<Plugin> plugin_;
    std::unique_ptr<Host> host_;
    void *ctx_ = nullptr;
    std::string name_;
};

// NAME -> DIR/NAME.so in the first dir that has it; anything with a '/' or ending in ".so"
// is taken as a path. The error lists what is installed.
Result<std::filesystem::path> resolve_policy(const std::string &name_or_path,
                                             const std::vector<std::filesystem::path> &dirs);

// Plugin files (*.so) in dirs, sorted by name.
std::vector<std::filesystem::path>
list_policy_files(const std::vector<std::filesystem::path> &dirs);

} // namespace scxd
