// SinglePassCanonicalizer's scalars (single_pass_canonicalizer.hpp): strings with their escapes
// and UTF-8, and numbers. single_pass_canonicalizer.cpp has the structure: objects, arrays and
// the order of members.
#include "json/single_pass_canonicalizer.hpp"

#include "core/text.hpp"
#include "json/json_string.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmops {

namespace {

// Number literals longer than this are left to the full canonicaliser too.
constexpr std::size_t kMaxNumberLength = 64;

// The first byte at or after p that is '"', '\\', a control character or not ASCII.
const char* find_string_special(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches non-ASCII.
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        const int mask = _mm_movemask_epi8(hit);
        if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 16;
    }
#endif
    for (; p < end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
    }
    return end;
}

} // namespace

bool SinglePassCanonicalizer::string(bool is_key) {
    const char* p = p_ + 1;
    for (;;) {
        p = find_string_special(p, end_);
        if (p == end_) return false; // unterminated
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"') {
            p_ = p + 1;
            return true;
        }
        if (c >= 0x80) {
            // A run of non-ASCII bytes holds whole sequences when the text is valid, so each
            // run is checked on its own by the SIMD validator.
            const char* run_end = p + 1;
            while (run_end != end_ && static_cast<unsigned char>(*run_end) >= 0x80)
                ++run_end;
            if (!is_valid_utf8(std::string_view(p, static_cast<std::size_t>(run_end - p))))
                return false;
            p = run_end;
            continue;
        }
        // A key with an escape sorts by its unescaped bytes: leave those to the full path.
        if (c != '\\' || is_key) return false; // a raw control character is an error
        p_ = p;
        if (!escape()) return false;
        p = p_;
    }
}

// p_ is at a backslash: moves past the escape, writing it differently when its canonical
// form differs.
bool SinglePassCanonicalizer::escape() {
    const char* p = p_;
    if (end_ - p < 2) return false;
    const char e = p[1];
    switch (e) {
    case '"':
    case '\\':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        p_ += 2; // already canonical
        return true;
    case '/':
        flush();
        *o_++ = '/';
        p_ += 2;
        pending_ = p_;
        return true;
    case 'u':
        break;
    default:
        return false;
    }
    if (end_ - p < 6) return false;
    const long unit = json_hex4(p + 2);
    if (unit < 0) return false;
    p += 6;
    char32_t cp = static_cast<char32_t>(unit);
    if (unit >= 0xD800 && unit <= 0xDFFF) {
        // Only a high surrogate followed by an escaped low one makes a character.
        if (unit >= 0xDC00 || end_ - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
        const long low = json_hex4(p + 2);
        if (low < 0xDC00 || low > 0xDFFF) return false;
        p += 6;
        cp = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
             (static_cast<char32_t>(low) - 0xDC00);
    }
    flush();
    if (cp < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        *o_++ = '\\';
        if (const char letter = kJsonEscape[cp]; letter != 'u') {
            *o_++ = letter;
        } else {
            const char seq[5] = {'u', '0', '0', kHex[cp >> 4], kHex[cp & 15]};
            std::memcpy(o_, seq, 5);
            o_ += 5;
        }
    } else if (cp == '"' || cp == '\\') {
        *o_++ = '\\';
        *o_++ = static_cast<char>(cp);
    } else {
        o_ = write_utf8(cp, o_);
    }
    p_ = pending_ = p;
    return true;
}

bool SinglePassCanonicalizer::number() {
    const char* start = p_;
    const char* p = p_;
    const bool negative = p < end_ && *p == '-';
    if (negative) ++p;
    if (p == end_) return false;
    const char* int_begin = p;
    if (*p == '0') {
        ++p;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end_ && is_ascii_digit(*p))
            ++p;
    } else {
        return false;
    }
    const char* int_end = p;
    const char* frac_begin = nullptr;
    if (p < end_ && *p == '.') {
        frac_begin = ++p;
        while (p < end_ && is_ascii_digit(*p))
            ++p;
        if (p == frac_begin) return false;
    }
    // Exponents are rare in data; the full canonicaliser handles their range questions.
    if (p < end_ && (*p == 'e' || *p == 'E')) return false;
    const auto length = static_cast<std::size_t>(p - start);
    if (length > kMaxNumberLength) return false;

    bool copy = false;
    if (!frac_begin) {
        const auto digits = static_cast<std::size_t>(int_end - int_begin);
        integer_ = true;
        if (negative && digits == 1 && *int_begin == '0') {
            flush(); // -0 is 0
            *o_++ = '0';
            p_ = pending_ = p;
            return true;
        }
        if (digits <= 18) {
            copy = true; // fits int64 either way, and the literal is how it is written
        } else {
            // An integer beyond 64 bits is a double to the full canonicaliser: leave it there.
            if (negative) {
                std::int64_t v = 0;
                auto r = std::from_chars(start, p, v);
                copy = r.ec == std::errc{} && r.ptr == p;
            } else {
                std::uint64_t v = 0;
                auto r = std::from_chars(start, p, v);
                copy = r.ec == std::errc{} && r.ptr == p;
            }
            if (!copy) return false;
        }
    } else {
        // Trailing zeros of a fraction are not in its shortest form (0.500 is 0.5, 2.0 is 2):
        // the canonical text is then the literal cut short, found without a double.
        const char* frac_end = p;
        while (frac_end > frac_begin && frac_end[-1] == '0')
            --frac_end;
        const bool zero_prefix = int_end - int_begin == 1 && *int_begin == '0';
        const char* cut = nullptr; // the canonical text is [start, cut)
        if (frac_end == frac_begin) {
            // An integral value, spelled as its integer part when a double holds it exactly.
            integer_ = true;
            if (zero_prefix) { // 0.0 and -0.0 are 0
                flush();
                *o_++ = '0';
                p_ = pending_ = p;
                return true;
            }
            if (int_end - int_begin <= 15) cut = int_end;
        } else {
            integer_ = false;
            // A decimal with at most 15 significant digits round-trips through a double, so its
            // shortest form has exactly these digits; the literal is then canonical when it is
            // laid out as ECMAScript would: no exponent is needed for 0.000001 <= |x| < 1e21.
            std::size_t significant = 0;
            std::size_t leading_zeros = 0;
            if (zero_prefix) {
                const char* f = frac_begin;
                while (f < frac_end && *f == '0')
                    ++f;
                leading_zeros = static_cast<std::size_t>(f - frac_begin);
                significant = static_cast<std::size_t>(frac_end - f);
            } else {
                significant = static_cast<std::size_t>(int_end - int_begin) +
                              static_cast<std::size_t>(frac_end - frac_begin);
            }
            if (significant <= 15 && leading_zeros < 6) cut = frac_end;
        }
        if (cut) {
            if (cut != p) { // output up to the cut, then skip the zeros
                p_ = cut;
                flush();
                p_ = pending_ = p;
                return true;
            }
            copy = true;
        }
    }
    if (copy) {
        p_ = p;
        return true;
    }
    number_text_.clear();
    if (!append_canonical_number_text(std::string_view(start, length), number_text_)) return false;
    integer_ = number_text_.find_first_of(".eE") == std::string::npos;
    flush();
    p_ = pending_ = p;
    reserve_more(number_text_.size());
    std::memcpy(o_, number_text_.data(), number_text_.size());
    o_ += number_text_.size();
    return true;
}

} // namespace llmops
