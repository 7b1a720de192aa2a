#pragma once
// JSON string literals: the one decoder of JSON escapes, used on canonical rows (profile, row
// fields, transforms) and on raw JSON text (syntax-error locations), and the one rule by which
// canonical JSON escapes a byte.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace llmops {

// How canonical JSON writes a byte inside a string: 0, as it is; otherwise the character after
// the backslash ('u' for \u00XX). Both canonicalisers write strings by it, so that they give a
// row the same bytes (and the same identity).
inline constexpr std::array<char, 256> kJsonEscape = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[c] = 'u';
    table['\b'] = 'b';
    table['\f'] = 'f';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
}();

// The value of the four hex digits at p[0..4), or -1 when one is not a hex digit.
long json_hex4(const char* p);

// The content of a JSON string as UTF-8, given with its opening quote or without (a canonical
// key as it stands between its quotes); it ends at the first unescaped '"' or at the end of
// `text`. Returns a view into `text` when the content holds no escape, else the decoded bytes
// in `scratch`. Lenient, for text already checked or cut short on purpose (a truncated top
// value): an incomplete escape at the end is dropped, a lone surrogate becomes U+FFFD.
// `consumed`, when given, receives the bytes of `text` read, the closing quote included.
std::string_view decode_json_string(std::string_view text, std::string& scratch,
                                    std::size_t* consumed = nullptr);
// The same, as an owned string.
std::string decode_json_string(std::string_view text);

} // namespace llmops
