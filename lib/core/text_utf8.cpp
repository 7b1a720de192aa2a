// UTF-8 (core/text.hpp): whole texts are checked by simdjson's SIMD validator; single code
// points are decoded, encoded and classified by utf8proc, whose decoder applies the same rules.
#include "core/text.hpp"

#include <simdjson.h>
#include <utf8proc.h>

namespace llmops {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

std::size_t decode_utf8_at(std::string_view text, std::size_t at, char32_t& code_point) {
    const auto first = static_cast<unsigned char>(text[at]);
    if (first < 0x80) {
        code_point = first;
        return 1;
    }
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                         static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    if (n <= 0) return 0;
    code_point = static_cast<char32_t>(cp);
    return static_cast<std::size_t>(n);
}

bool is_valid_utf8(std::string_view bytes) {
    return simdjson::validate_utf8(bytes.data(), bytes.size());
}

std::optional<std::size_t> find_invalid_utf8(std::string_view bytes) {
    for (std::size_t at = 0; at < bytes.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8_at(bytes, at, cp);
        if (n == 0) return at;
        at += n;
    }
    return std::nullopt;
}

std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8_at(text, at, cp);
        out += n == 0 ? kReplacement : cp;
        at += n == 0 ? 1 : n;
    }
    return out;
}

char* write_utf8(char32_t code_point, char* out) {
    if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
        code_point = kReplacement;
    return out + utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point),
                                      reinterpret_cast<utf8proc_uint8_t*>(out));
}

void append_utf8(char32_t code_point, std::string& out) {
    char bytes[4];
    out.append(bytes, static_cast<std::size_t>(write_utf8(code_point, bytes) - bytes));
}

std::string encode_utf8(std::u32string_view code_points) {
    std::string out;
    out.reserve(code_points.size());
    for (char32_t c : code_points)
        append_utf8(c, out);
    return out;
}

std::size_t code_point_count(std::string_view text) {
    if (is_valid_utf8(text)) {
        std::size_t n = 0;
        for (char c : text)
            n += !is_continuation(c);
        return n;
    }
    std::size_t n = 0;
    for (std::size_t at = 0; at < text.size(); ++n) {
        char32_t cp = 0;
        const std::size_t len = decode_utf8_at(text, at, cp);
        at += len == 0 ? 1 : len;
    }
    return n;
}

std::string to_valid_utf8(std::string_view text) {
    // The SIMD check keeps the common (valid) case at memcpy speed; only broken text pays for
    // the walk.
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t at = 0; at < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8_at(text, at, cp);
        if (n == 0) {
            append_utf8(kReplacement, out);
            ++at;
        } else {
            out.append(text.substr(at, n));
            at += n;
        }
    }
    return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
    while (end > 0 && is_continuation(text[end]))
        --end;
    return text.substr(0, end);
}

bool is_unicode_letter_or_number(char32_t code_point) {
    if (code_point < 0x80)
        return (code_point >= '0' && code_point <= '9') ||
               ((code_point | 0x20) >= 'a' && (code_point | 0x20) <= 'z');
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(code_point))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

bool is_unicode_combining_mark(char32_t code_point) {
    if (code_point < 0x80) return false;
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(code_point));
    return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC;
}

TextPosition position_of(std::string_view text, std::size_t offset) {
    if (offset > text.size()) offset = text.size();
    TextPosition pos;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++pos.line;
            line_start = i + 1;
        }
    }
    pos.column = static_cast<long>(offset - line_start) + 1;
    return pos;
}

} // namespace llmops
