#pragma once
// Text, one of each for every folder: UTF-8 (validated by simdjson's SIMD validator; code points
// decoded, encoded and classified by utf8proc), cutting at character boundaries, ASCII helpers
// for protocol and syntax text, text made safe for a terminal line, measures of a text and the
// token estimate, and the Unicode normalisation texts are compared under. Implemented in
// text_utf8.cpp, text_ascii.cpp, text_escape.cpp, text_measure.cpp and text_normalization.cpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmops {

// ---- UTF-8 ------------------------------------------------------------------------------------
// Valid means: no overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF.

// True when `bytes` is valid UTF-8 (SIMD-accelerated).
bool is_valid_utf8(std::string_view bytes);
// Byte offset of the first byte of the first invalid sequence, or nullopt when valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view bytes);

// The code point that starts at text[at] (at < size) and its length in bytes; 0 when no valid
// sequence starts there.
std::size_t decode_utf8_at(std::string_view text, std::size_t at, char32_t& code_point);
// Code points of `text`; every byte that does not start a valid sequence becomes U+FFFD (as
// Python's errors="replace" does per byte), so model output is read as it comes.
std::u32string decode_utf8(std::string_view text);
// UTF-8 of code points; surrogates and values past U+10FFFF become U+FFFD.
std::string encode_utf8(std::u32string_view code_points);
void append_utf8(char32_t code_point, std::string& out);
// The same into a buffer with room for 4 bytes; returns the end of what was written.
char* write_utf8(char32_t code_point, char* out);
// The number of code points decode_utf8 would give (an invalid byte counts one).
std::size_t code_point_count(std::string_view text);
// `text` with every invalid byte replaced by U+FFFD; valid text comes back unchanged.
std::string to_valid_utf8(std::string_view text);
// The longest prefix of `text` of at most `max_bytes` that does not end inside a sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// Unicode general categories (utf8proc): letters (L*) and numbers (N*); combining marks (Mn,
// Mc: accents and vowel signs that belong to the letter before them).
bool is_unicode_letter_or_number(char32_t code_point);
bool is_unicode_combining_mark(char32_t code_point);

// 1-based line and column (in bytes) of `offset` within `text`, lines split at '\n'.
struct TextPosition {
    long line = 1;
    long column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

// ---- ASCII, for protocol and syntax text (HTTP headers and dates, filter expressions), where
// Unicode case and space rules must not apply. Unicode-aware lowering is eval's to_lower.

inline bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}
char ascii_lower(char c);
std::string ascii_lower(std::string_view text);
bool ascii_iequals(std::string_view a, std::string_view b);
// Without the spaces and tabs at both ends.
std::string_view trim_blanks(std::string_view text);
// Without the ASCII white space (space, \t, \n, \v, \f, \r) at both ends.
std::string_view trim_spaces(std::string_view text);

// `text` for one line of a terminal table: control characters (newlines, tabs …) shown as
// spaces; when longer than `max_bytes`, cut at a character boundary and ended with "..." so
// that the whole is at most `max_bytes` (max_bytes >= 4).
std::string one_line(std::string_view text, std::size_t max_bytes);

// ---- Text made safe for one line of a terminal: messages echo names and values that came from
// files and command lines, and a newline in one must not split an error in two, nor an escape
// sequence reach the terminal.

// `text` with every control character written as an escape: C0 controls and DEL as \n, \r,
// \t or \xNN; C1 controls (U+0080..U+009F), the line and paragraph separators (U+2028,
// U+2029) and the bidirectional overrides (U+202A..U+202E, U+2066..U+2069) as \u{NNNN};
// bytes that are not UTF-8 as \xNN. Everything else, backslashes included, is kept as it is.
std::string escape_control_characters(std::string_view text);

// ---- Measures ---------------------------------------------------------------------------------

struct TextMeasure {
    std::uint64_t chars = 0;    // Unicode code points
    std::uint64_t words = 0;    // maximal runs of non-whitespace (ASCII whitespace)
    std::uint64_t controls = 0; // control characters other than tab, LF, CR (see below)
};

// Measures valid UTF-8 text. Control characters: U+0000-U+001F except U+0009 (tab), U+000A
// (LF) and U+000D (CR); U+007F (DEL); U+0080-U+009F (C1).
TextMeasure measure_text(std::string_view utf8);

// The token estimate, the one llmops uses everywhere (profiles, rate limits, offline
// providers, the token_count metric): ceil(code points / 4), the common rule of thumb for
// English with BPE tokenizers (GPT-style); real counts vary by tokenizer and language.
inline std::uint64_t approx_tokens_of_chars(std::uint64_t code_points) {
    return (code_points + 3) / 4;
}
inline std::uint64_t approx_tokens(std::string_view text) {
    return approx_tokens_of_chars(code_point_count(text));
}

// ---- Normalisation ----------------------------------------------------------------------------

// The form texts are compared in for de-duplication and near duplicates: NFKC, Unicode case
// folding (utf8proc), runs of whitespace collapsed to one space, trimmed. So rows that differ
// only in case, spacing or compatibility forms (full-width letters, ligatures, NBSP) are the
// same text. `text` must be valid UTF-8 (dataset rows always are).
std::string normalize_text(std::string_view text);

} // namespace llmops
