#pragma once
// Measuring string values straight from canonical JSON text: characters, words, control
// characters; decoding a canonical string only when it holds an escape.
#include <cstdint>
#include <string>
#include <string_view>

namespace llmops {

struct TextMeasure {
    std::uint64_t chars = 0;    // Unicode code points
    std::uint64_t words = 0;    // maximal runs of non-whitespace (ASCII whitespace)
    std::uint64_t controls = 0; // control characters other than tab, LF, CR (see below)
};

// Measures decoded UTF-8 text. Control characters: U+0000-U+001F except U+0009 (tab), U+000A
// (LF) and U+000D (CR); U+007F (DEL); U+0080-U+009F (C1).
TextMeasure measure_text(std::string_view utf8);

// Approximate tokens of a text: ceil(chars / 4), the common rule of thumb for English with
// BPE tokenizers (GPT-style); real counts vary by tokenizer and language.
inline std::uint64_t approx_tokens(std::uint64_t chars) {
    return (chars + 3) / 4;
}

// The content of a canonical JSON string value (with its quotes) as UTF-8: a view into
// `quoted` when it holds no escape, else decoded into `scratch`. Tolerates text cut short
// (a truncated top value): an incomplete escape at the end is dropped.
std::string_view decode_canonical_string(std::string_view quoted, std::string& scratch);

// `text` cut to at most max_bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

} // namespace llmops
