// Keeping the hot thread free of page faults: lock and pre-fault memory, count faults.
#pragma once

#include <cstdint>

#include "core/result.hpp"

namespace scxd {

// No transparent huge pages for this process: khugepaged collapsing a locked region clears
// its page table entries for a moment, and the hot thread faults if it touches them then.
// Call first, before the allocations it should cover.
void disable_transparent_hugepages();

// Helper threads (stats, reload, watchdog) get small stacks: with mlockall every byte of a
// thread's stack is locked, and glibc's default (RLIMIT_STACK, usually 8 MiB) made them three
// quarters of the daemon's locked memory. Call before the first thread starts.
void use_small_thread_stacks();

// mlockall(current + future) and touch a generous stack, so neither the loop nor a later
// allocation ever waits for the kernel to page memory in while tasks wait for us.
Status lock_and_prefault_memory();

// Minor + major page faults of the calling thread so far (one getrusage call).
std::uint64_t thread_page_faults();

} // namespace scxd
