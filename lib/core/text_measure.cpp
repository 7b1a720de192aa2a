// Measures of a text and the token estimate (core/text.hpp).
#include "core/text.hpp"

#include <array>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace llmops {

namespace {

enum : std::uint8_t { kCharStart = 1, kSpace = 2, kControl = 4, kC1Lead = 8 };

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint8_t f = 0;
        if ((c & 0xC0) != 0x80) f |= kCharStart;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') f |= kSpace;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) f |= kControl;
        if (c == 0xC2) f |= kC1Lead; // U+0080-U+009F are C2 80 .. C2 9F
        t[static_cast<std::size_t>(c)] = f;
    }
    return t;
}
constexpr std::array<std::uint8_t, 256> kByteClass = make_byte_classes();

// One byte at a time; carries the in-word state across calls.
void measure_bytes(const unsigned char* p, std::size_t from, std::size_t to, std::size_t n,
                   bool& in_space, TextMeasure& m) {
    for (std::size_t i = from; i < to; ++i) {
        const std::uint8_t f = kByteClass[p[i]];
        m.chars += f & kCharStart;
        const bool space = (f & kSpace) != 0;
        m.words += static_cast<std::uint64_t>(in_space && !space);
        in_space = space;
        if (f & (kControl | kC1Lead)) {
            if (f & kControl)
                ++m.controls;
            else if (i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
                ++m.controls;
        }
    }
}

// Bits set in a 16-bit mask (no popcnt instruction without -mpopcnt: avoid the libgcc call).
unsigned popcount16(unsigned x) {
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

} // namespace

TextMeasure measure_text(std::string_view utf8) {
    TextMeasure m;
    bool in_space = true;
    const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
    const std::size_t n = utf8.size();
    std::size_t i = 0;
#ifdef __SSE2__
    // 16 bytes at a time while a block holds no byte below 0x20, no DEL and no C2 lead byte
    // (the only bytes that can start a control character or non-space whitespace): then the
    // only whitespace is ' ', and characters are the bytes that are not continuation bytes.
    const __m128i below_space = _mm_set1_epi8(0x1F);
    const __m128i del = _mm_set1_epi8(0x7F);
    const __m128i c2 = _mm_set1_epi8(static_cast<char>(0xC2));
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i continuation_limit = _mm_set1_epi8(-64); // 0x80..0xBF are -128..-65
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i special =
            _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v),
                         _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, c2)));
        if (_mm_movemask_epi8(special) != 0) {
            measure_bytes(p, i, i + 16, n, in_space, m);
            continue;
        }
        const auto spaces = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, space)));
        const unsigned after_space = (spaces << 1) | (in_space ? 1u : 0u);
        const unsigned word_starts = ~spaces & after_space & 0xFFFFu;
        m.words += popcount16(word_starts);
        in_space = (spaces >> 15) & 1u;
        const auto continuations =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, continuation_limit)));
        m.chars += 16 - popcount16(continuations);
    }
#endif
    measure_bytes(p, i, n, n, in_space, m);
    return m;
}

} // namespace llmops
