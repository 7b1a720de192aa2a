#pragma once
// Large buffers of drift (value vectors sized to a side's rows, sort keys) asked of the kernel in
// 2 MiB pages where it allows (transparent huge pages on request, Linux): filling them in 4 KiB
// pages faulted ~50,000 times a million rows, ~15% of the CPU time of a drift.
#include <cstddef>

namespace llmops::drift {

// Only advice, for the whole pages inside [data, data + bytes) and for buffers of at least
// 4 MiB; where the kernel declines, the buffer fills in small pages as before.
void advise_huge_pages(void* data, std::size_t bytes);

} // namespace llmops::drift
