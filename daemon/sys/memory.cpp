#include "sys/memory.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace scxd {
namespace {

constexpr std::size_t prefault_stack_bytes = std::size_t{512} * 1024;

// noinline: the array must really live on this frame's stack to fault those pages in.
[[gnu::noinline]] void touch_stack()
{
    volatile char stack[prefault_stack_bytes];
    for (std::size_t i = 0; i < sizeof(stack); i += 4096)
        stack[i] = 0;
}

// Compaction may migrate even locked pages; the next access then faults.
void warn_if_locked_pages_migrate()
{
    std::FILE *f = std::fopen("/proc/sys/vm/compact_unevictable_allowed", "r");
    if (f == nullptr)
        return;
    const int c = std::fgetc(f);
    std::fclose(f);
    if (c == '1')
        spdlog::warn("vm.compact_unevictable_allowed=1: compaction may still move locked "
                     "pages and make the scheduling thread fault; set it to 0 to prevent that");
}

} // namespace

void disable_transparent_hugepages()
{
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
        spdlog::debug("PR_SET_THP_DISABLE failed: {}", std::strerror(errno));
}

void use_small_thread_stacks()
{
    // Ample for what they run (a TOML parse with bounded nesting, dlopen, a policy's create).
    constexpr std::size_t helper_stack_bytes = std::size_t{1} << 20;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return;
    if (pthread_attr_setstacksize(&attr, helper_stack_bytes) != 0 ||
        pthread_setattr_default_np(&attr) != 0)
        spdlog::debug("cannot set the default thread stack size; helper threads keep theirs");
    pthread_attr_destroy(&attr);
}

Status lock_and_prefault_memory()
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        return Error{fmt::format("mlockall failed: {}: raise the memlock limit "
                                 "(LimitMEMLOCK=infinity) or run as root",
                                 std::strerror(errno))};
    touch_stack();
    warn_if_locked_pages_migrate();
    return Ok{};
}

std::uint64_t thread_page_faults()
{
    rusage ru{};
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return static_cast<std::uint64_t>(ru.ru_minflt) + static_cast<std::uint64_t>(ru.ru_majflt);
}

} // namespace scxd
