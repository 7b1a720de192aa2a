// Compiled with -mavx2 (CMakeLists.txt). Only plain functions here: an inline C++ library
// function instantiated in this file would be AVX2 code the linker may keep for the whole
// program, and it would then run on CPUs without AVX2.
#include "core/hash_avx2.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace llmops::avx2 {

void xxh3_128(const void* data, std::size_t size, std::uint64_t* high, std::uint64_t* low) {
    const XXH128_hash_t h = XXH3_128bits(data, size);
    *high = h.high64;
    *low = h.low64;
}

std::uint64_t xxh3_64(const void* data, std::size_t size, std::uint64_t seed) {
    return XXH3_64bits_withSeed(data, size, seed);
}

void xxh3_128_update(void* state, const void* data, std::size_t size) {
    XXH3_128bits_update(static_cast<XXH3_state_t*>(state), data, size);
}

} // namespace llmops::avx2
