// Filling the byte masks of the injection trigger pass (injection_scan_masks.hpp): the AVX2
// classifier, chosen at run time, and the portable loop around either.
#include "safety/injection_scan_masks.hpp"

#include "core/cpu_features.hpp"
#include "core/file_io.hpp"

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LLMOPS_MASKS_AVX2 1
#endif

namespace llmops::safety {

namespace {

#if defined(LLMOPS_MASKS_AVX2)
// The same classes as ByteMasks::classify16, 32 bytes at a time. Helpers are functions of their
// own (GCC does not pass a target attribute on to lambdas).
__attribute__((target("avx2"))) inline __m256i avx2_in_range(__m256i v, char low, char top) {
    __m256i shifted = _mm256_sub_epi8(v, _mm256_set1_epi8(low));
    __m256i limit = _mm256_set1_epi8(static_cast<char>(top - low));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(shifted, limit), shifted);
}

__attribute__((target("avx2"))) inline __m256i avx2_equals(__m256i v, char c) {
    return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c));
}

__attribute__((target("avx2"))) inline std::uint64_t avx2_bits(__m256i v) {
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(v));
}

__attribute__((target("avx2"))) inline void classify64_avx2(const unsigned char* at,
                                                            std::uint64_t* out) {
    for (int part = 0; part < 2; ++part) {
        const int shift = part * 32;
        __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + shift));
        __m256i lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        __m256i digit = avx2_in_range(v, '0', '9');
        __m256i alnum = _mm256_or_si256(digit, avx2_in_range(lower, 'a', 'z'));
        __m256i base64 =
            _mm256_or_si256(alnum, _mm256_or_si256(avx2_equals(v, '+'), avx2_equals(v, '/')));
        __m256i url =
            _mm256_or_si256(alnum, _mm256_or_si256(avx2_equals(v, '_'), avx2_equals(v, '-')));
        __m256i hex =
            _mm256_or_si256(_mm256_or_si256(digit, avx2_in_range(lower, 'a', 'f')),
                            _mm256_or_si256(avx2_equals(lower, 'x'), avx2_equals(v, ' ')));
        hex = _mm256_or_si256(hex, _mm256_or_si256(avx2_equals(v, ':'), avx2_equals(v, '\\')));
        __m256i special = _mm256_or_si256(avx2_equals(v, '\n'), avx2_equals(v, ']'));
        __m256i stop = _mm256_or_si256(_mm256_or_si256(avx2_equals(v, '.'), avx2_equals(v, '!')),
                                       _mm256_or_si256(avx2_equals(v, '?'), avx2_equals(v, '\n')));
        const std::uint64_t high = avx2_bits(v);
        const std::uint64_t alnum_bits = avx2_bits(alnum);
        const std::uint64_t either = alnum_bits | avx2_bits(avx2_equals(v, '\'')) | high;
        out[ByteMasks::other] |= (~either & 0xFFFFFFFFULL) << shift;
        out[ByteMasks::alnum] |= alnum_bits << shift;
        out[ByteMasks::base64] |= avx2_bits(base64) << shift;
        out[ByteMasks::base64url] |= avx2_bits(url) << shift;
        out[ByteMasks::hexish] |= avx2_bits(hex) << shift;
        out[ByteMasks::special] |= avx2_bits(special) << shift;
        out[ByteMasks::high] |= high << shift;
        out[ByteMasks::stop] |= avx2_bits(stop) << shift;
    }
}
#endif

// The 64 bytes of the block at `base`; the last block is copied into `padded`, zero-filled (zero
// bytes are in no class).
inline const unsigned char* block_bytes(const unsigned char* p, std::size_t size, std::size_t base,
                                        unsigned char* padded) {
    if (base + 64 <= size) return p + base;
    std::memset(padded, 0, 64);
    std::memcpy(padded, p + base, size - base);
    return padded;
}

// Every block of `text` through the portable classifier.
void fill_portable(std::string_view text, std::size_t blocks, ByteMasks::Bits* bits) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    for (std::size_t block = 0; block < blocks; ++block) {
        unsigned char padded[64];
        const unsigned char* at = block_bytes(p, size, block * 64, padded);
        std::uint64_t out[ByteMasks::kinds] = {};
        ByteMasks::classify64(at, out);
        for (int k = 0; k < ByteMasks::kinds; ++k)
            bits[k][block] = out[k];
    }
}

#if defined(LLMOPS_MASKS_AVX2)
// fill_portable with the AVX2 classifier: the loop is its own so that it carries the target
// attribute and the classifier is inlined into it.
__attribute__((target("avx2"))) void fill_avx2(std::string_view text, std::size_t blocks,
                                               ByteMasks::Bits* bits) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    for (std::size_t block = 0; block < blocks; ++block) {
        unsigned char padded[64];
        const unsigned char* at = block_bytes(p, size, block * 64, padded);
        std::uint64_t out[ByteMasks::kinds] = {};
        classify64_avx2(at, out);
        for (int k = 0; k < ByteMasks::kinds; ++k)
            bits[k][block] = out[k];
    }
}
#endif

} // namespace

void ByteMasks::fill(std::string_view text, bool allow_avx2) {
    size = text.size();
    blocks = (size + 63) / 64;
    for (auto& b : bits) {
        // Pages mapped in one call, not a fault each (a fault costs ~5 us in a VM): the masks
        // are an eighth of the text each.
        if (b.capacity() < blocks) {
            b.reserve(blocks);
            prefault_for_writing(b.data(), blocks * sizeof(std::uint64_t));
        }
        b.resize(blocks);
    }
#if defined(LLMOPS_MASKS_AVX2)
    if (allow_avx2 && cpu_has_avx2()) {
        fill_avx2(text, blocks, bits);
        return;
    }
#else
    (void)allow_avx2;
#endif
    fill_portable(text, blocks, bits);
}

} // namespace llmops::safety
