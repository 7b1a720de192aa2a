#pragma once
// Bit masks of the byte classes the injection trigger pass reads (injection_triggers.cpp): one
// bit per byte, 64 bytes a word, built with AVX2 or SSE2 where the CPU has them. Words,
// line breaks and runs of base64 or hex characters are then found with bit operations rather
// than a branch per byte.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmops::safety {

// A vector allocator that leaves new elements of trivial types uninitialised: the masks are
// written whole, and the trigger scan grows its lists by a block's worth, writes what it keeps
// and shrinks them back, at no cost per element.
template <class T> struct UninitializedAllocator : std::allocator<T> {
    using value_type = T;
    UninitializedAllocator() = default;
    template <class U> UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
    template <class U> struct rebind { using other = UninitializedAllocator<U>; };
    template <class U> void construct(U* at) noexcept { ::new (static_cast<void*>(at)) U; }
    template <class U, class... Args> void construct(U* at, Args&&... args) {
        ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
    }
};

struct ByteMasks {
    enum Kind {
        alnum,     // [A-Za-z0-9]
        base64,    // [A-Za-z0-9+/]
        base64url, // [A-Za-z0-9_-]
        hexish,    // [0-9A-Fa-f :\\xX]
        special,   // '\n' and ']'
        other,     // neither a letter or digit nor an apostrophe or non-ASCII byte
        high,      // non-ASCII bytes
        stop,      // '.', '!', '?' and '\n': where the detector's sentences may end
        kinds
    };
    using Bits = std::vector<std::uint64_t, UninitializedAllocator<std::uint64_t>>;
    Bits bits[kinds]; // every word written by fill(), so not zeroed first
    std::size_t size = 0;
    std::size_t blocks = 0;

    // The masks of `text`, 32 bytes at a time with AVX2 where the CPU has it (checked once at
    // run time), else 16 at a time with SSE2; both give the same bits (`allow_avx2` false: the
    // SSE2 path, for the tests). injection_scan_masks.cpp.
    void fill(std::string_view text, bool allow_avx2 = true);

    // Whether a byte of [begin, end) is in class `kind`.
    bool any(Kind kind, std::size_t begin, std::size_t end) const {
        end = end < size ? end : size;
        if (begin >= end) return false;
        const std::size_t first = begin / 64;
        const std::size_t last = (end - 1) / 64;
        for (std::size_t block = first; block <= last; ++block) {
            std::uint64_t word = bits[kind][block];
            if (block == first) word &= ~std::uint64_t{0} << (begin % 64);
            if (block == last && end % 64 != 0) word &= (std::uint64_t{1} << (end % 64)) - 1;
            if (word) return true;
        }
        return false;
    }

    // The first offset >= `from` whose byte is (`set`) or is not (!`set`) in class `kind`, if
    // it is below `limit` (blocks past it are not read); else min(limit, size).
    std::size_t next(Kind kind, std::size_t from, bool set,
                     std::size_t limit = static_cast<std::size_t>(-1)) const {
        const std::size_t stop = limit < size ? limit : size;
        if (from >= stop) return stop;
        const std::size_t last = (stop - 1) / 64;
        std::size_t block = from / 64;
        std::uint64_t word = set ? bits[kind][block] : ~bits[kind][block];
        word &= ~std::uint64_t{0} << (from % 64);
        while (word == 0) {
            if (++block > last) return stop;
            word = set ? bits[kind][block] : ~bits[kind][block];
        }
        std::size_t at = block * 64 + static_cast<std::size_t>(__builtin_ctzll(word));
        return at < stop ? at : stop;
    }

    // The last offset in [low, before) whose byte is in class `kind`; `before` when none.
    std::size_t previous(Kind kind, std::size_t before, std::size_t low) const {
        if (before <= low) return before;
        std::size_t block = (before - 1) / 64;
        const std::size_t first = low / 64;
        std::uint64_t word = bits[kind][block];
        if (before % 64 != 0) word &= (std::uint64_t{1} << (before % 64)) - 1;
        for (;;) {
            if (block == first) word &= ~std::uint64_t{0} << (low % 64);
            if (word) return block * 64 + 63 - static_cast<std::size_t>(__builtin_clzll(word));
            if (block == first) return before;
            word = bits[kind][--block];
        }
    }

    // walk_runs_right and walk_runs_left (injection_reach.hpp) inside [low, high) of the text,
    // one step per run rather than per byte: a run of letters and digits ends where the next
    // other byte is, and the other way round (apostrophes and non-ASCII bytes join either).
    std::size_t walk_right(std::size_t at, std::size_t high, int runs) const {
        for (int step = 0; step < runs && at < high; ++step) {
            const std::size_t letter = next(alnum, at, true, high);
            const std::size_t separator = next(other, at, true, high);
            at = letter > separator ? letter : separator;
        }
        return at;
    }
    std::size_t walk_left(std::size_t at, std::size_t low, int runs) const {
        for (int step = 0; step < runs && at > low; ++step) {
            const std::size_t letter = previous(alnum, at, low);
            const std::size_t separator = previous(other, at, low);
            if (letter == at || separator == at) return low; // one kind left: to the start
            at = (letter < separator ? letter : separator) + 1;
        }
        return at;
    }

    // One 64-byte block into out[kind] (zeroed by the caller), 16 bytes at a time.
    static void classify64(const unsigned char* at, std::uint64_t* out) {
        for (int part = 0; part < 4; ++part)
            classify16(at + part * 16, part * 16, out);
    }

  private:
#if defined(__SSE2__)
    static __m128i in_range(__m128i v, unsigned char low, unsigned char top) {
        __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(low)));
        __m128i limit = _mm_set1_epi8(static_cast<char>(top - low));
        return _mm_cmpeq_epi8(_mm_min_epu8(shifted, limit), shifted);
    }
    static __m128i equals(__m128i v, char c) {
        return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
    }
    static std::uint64_t bits_of(__m128i v) {
        return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(v)) & 0xFFFF);
    }
    static void classify16(const unsigned char* at, int shift, std::uint64_t* out) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i digit = in_range(v, '0', '9');
        __m128i alnum_v = _mm_or_si128(digit, in_range(lower, 'a', 'z'));
        __m128i base64_v = _mm_or_si128(alnum_v, _mm_or_si128(equals(v, '+'), equals(v, '/')));
        __m128i url_v = _mm_or_si128(alnum_v, _mm_or_si128(equals(v, '_'), equals(v, '-')));
        __m128i hex_v = _mm_or_si128(_mm_or_si128(digit, in_range(lower, 'a', 'f')),
                                     _mm_or_si128(equals(lower, 'x'), equals(v, ' ')));
        hex_v = _mm_or_si128(hex_v, _mm_or_si128(equals(v, ':'), equals(v, '\\')));
        __m128i special_v = _mm_or_si128(equals(v, '\n'), equals(v, ']'));
        std::uint64_t either = bits_of(alnum_v) | bits_of(equals(v, '\'')) |
                               static_cast<std::uint64_t>(_mm_movemask_epi8(v) & 0xFFFF);
        out[other] |= (~either & 0xFFFF) << shift;
        out[alnum] |= bits_of(alnum_v) << shift;
        out[base64] |= bits_of(base64_v) << shift;
        out[base64url] |= bits_of(url_v) << shift;
        out[hexish] |= bits_of(hex_v) << shift;
        out[special] |= bits_of(special_v) << shift;
        out[high] |= static_cast<std::uint64_t>(_mm_movemask_epi8(v) & 0xFFFF) << shift;
        __m128i stop_v = _mm_or_si128(_mm_or_si128(equals(v, '.'), equals(v, '!')),
                                      _mm_or_si128(equals(v, '?'), equals(v, '\n')));
        out[stop] |= bits_of(stop_v) << shift;
    }
#else
    static void classify16(const unsigned char* at, int shift, std::uint64_t* out) {
        for (int i = 0; i < 16; ++i) {
            unsigned char c = at[i];
            unsigned char lower = c | 0x20;
            bool digit = c >= '0' && c <= '9';
            bool is_alnum = digit || (lower >= 'a' && lower <= 'z');
            std::uint64_t bit = std::uint64_t{1} << (shift + i);
            if (is_alnum) out[alnum] |= bit;
            if (is_alnum || c == '+' || c == '/') out[base64] |= bit;
            if (is_alnum || c == '_' || c == '-') out[base64url] |= bit;
            if (digit || (lower >= 'a' && lower <= 'f') || lower == 'x' || c == ' ' || c == ':' ||
                c == '\\')
                out[hexish] |= bit;
            if (c == '\n' || c == ']') out[special] |= bit;
            if (!is_alnum && c != '\'' && c < 0x80) out[other] |= bit;
            if (c >= 0x80) out[high] |= bit;
            if (c == '.' || c == '!' || c == '?' || c == '\n') out[stop] |= bit;
        }
    }
#endif
};

} // namespace llmops::safety
