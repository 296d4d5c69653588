// libFuzzer target: any bytes as a config file -> parse_config -> a validated Config or one
// error line. A Config that passes is then read the way a policy reads it: every flattened
// [policy.<name>] key through the host's typed param_* calls, and the unknown-key check.
// Invariants beyond "no crash, no sanitizer report": every error is one non-empty line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/policy_params.hpp"
#include "plugin/host.hpp"

namespace {

void check_message(const std::string &m)
{
    if (m.empty() || m.find_first_of("\n\r") != std::string::npos)
        std::abort();
}

void read_like_a_policy(const scxd::Config &cfg, const std::string &name,
                        const scxd::ParamMap &params)
{
    scxd::HostConfig hc;
    hc.params = params;
    std::set<std::string> queried;
    std::map<std::string, std::string> type_errors;
    hc.queried = &queried;
    hc.type_errors = &type_errors;
    scxd::Host host(name, hc);
    const scxd_host *h = host.abi();
    bool odd = false; // ask for every other key only: the rest must be reported as unknown
    for (const auto &[key, value] : params) {
        std::int64_t i = 0;
        double f = 0;
        const char *s = nullptr;
        if ((odd = !odd)) {
            h->param_i64(h, key.c_str(), &i);
            h->param_f64(h, key.c_str(), &f);
            h->param_str(h, key.c_str(), &s);
        }
    }
    // absent: must not touch `out`. Not a key of the file (the fuzzer wrote one that was,
    // which marked it as asked for).
    std::string absent = "no.such.key";
    while (params.contains(absent))
        absent += '_';
    h->param_i64(h, absent.c_str(), nullptr);
    const auto st = scxd::check_unknown_params(cfg, name, queried);
    if (!st)
        check_message(st.error().message);
    else if (params.size() > 1)
        std::abort(); // at least one key was never asked for
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    auto cfg = scxd::parse_config(text, "/etc/scxd/fuzz.toml");
    if (!cfg) {
        check_message(cfg.error().message);
        return 0;
    }
    for (const auto &[name, params] : cfg->policies)
        read_like_a_policy(*cfg, name, params);
    return 0;
}
