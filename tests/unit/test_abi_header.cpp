// policy.h from C++20 (-pedantic -Werror, see tests/meson.build): a policy written in C++
// uses the same header and macro as a C one.
#include <cstring>

#include "abi_layout.h"

namespace {

int on_enqueue(void * /*ctx*/, const scxd_task *task) { return task->pid > 0 ? 0 : -1; }

int pick(void * /*ctx*/, scxd_decision * /*out*/) { return 0; }

int create(const scxd_host * /*host*/, void **ctx, char * /*err*/, size_t /*errlen*/)
{
    *ctx = nullptr;
    return 0;
}

const scxd_policy_ops ops = {
    sizeof(scxd_policy_ops), 0, on_enqueue, pick, nullptr, nullptr, nullptr,
};

} // namespace

SCXD_POLICY_DEFINE("abi-check-cpp", "compile check", "1.0", &ops, create);

int main()
{
    scxd_task task{};
    task.pid = 42;
    task.cookie = 0xfeed;
    const scxd_decision d = scxd_decision_for(&task, SCXD_CPU_ANY);
    if (d.pid != 42 || d.cpu != SCXD_CPU_ANY || d.slice_ns != 0 || d.vtime != 0 ||
        d.cookie != 0xfeed)
        return 1;
    const scxd_policy_entry &e = scxd_policy_entry_v1;
    if (e.abi_major != SCXD_POLICY_ABI_MAJOR || e.struct_size != sizeof(scxd_policy_entry) ||
        e.ops != &ops || std::strcmp(e.name, "abi-check-cpp") != 0)
        return 2;
    void *ctx = &task;
    if (e.create(nullptr, &ctx, nullptr, 0) != 0 || ctx != nullptr)
        return 3;
    return e.ops->on_enqueue(nullptr, &task);
}
