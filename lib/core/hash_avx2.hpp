#pragma once
// XXH3 compiled for AVX2 (hash_avx2.cpp), called by hash.cpp only on CPUs that have it: 1.45x
// the speed of the SSE2 code every x86-64 CPU runs on large inputs (chunk and file hashes) and
// 1.3x on rows (docs/performance.md). The results are the same bits on both paths.
#include <cstddef>
#include <cstdint>

namespace llmops::avx2 {

void xxh3_128(const void* data, std::size_t size, std::uint64_t* high, std::uint64_t* low);
std::uint64_t xxh3_64(const void* data, std::size_t size, std::uint64_t seed);
// `state` is an XXH3_state_t reset by XXH3_128bits_reset.
void xxh3_128_update(void* state, const void* data, std::size_t size);

} // namespace llmops::avx2
