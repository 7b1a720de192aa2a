#pragma once
// Text normalisation and tokenisers shared by the eval metrics. Every function takes UTF-8;
// invalid byte sequences are decoded as U+FFFD (like Python's errors="replace") rather than
// failing, because model output is scored as it comes. Each tokeniser reproduces the one of the
// metric's reference implementation (see docs/metrics.md).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::eval {

// (UTF-8 decoding and encoding, with U+FFFD for invalid bytes: core/text.hpp.)

// Python's str.isspace() set (ASCII whitespace, \x1c-\x1f, NEL, NBSP, U+2000-U+200A ...).
bool is_python_space(char32_t c);
// Python's `\w` for str patterns: Unicode letters and numbers, plus '_'.
bool is_word_char(char32_t c);

// Simple per-code-point lowercase (utf8proc_tolower). Differs from Python's str.lower() only for
// U+0130 (Python: "i\u0307", here "i") and the context-dependent final sigma.
std::string to_lower(std::string_view text);
// NFC + Unicode case folding (utf8proc), for caseless comparison: "Straße" ~ "STRASSE".
std::string casefold(std::string_view text);

// Python's str.split() with no argument: split on runs of whitespace, no empty tokens.
std::vector<std::string> split_whitespace(std::string_view text);

// SQuAD's normalize_answer: lowercase, drop ASCII punctuation (string.punctuation), replace the
// words a/an/the with a space, collapse whitespace. Prompt Flow's f1_score uses the same.
std::string normalize_answer(std::string_view text);

// sacrebleu's "13a" tokeniser (mteval-v13a.pl): unescapes &quot; &amp; &lt; &gt;, splits off
// punctuation, splits '.' and ',' unless between digits, splits '-' after a digit.
std::vector<std::string> tokenize_13a(std::string_view text);

// rouge-score's DefaultTokenizer without stemming: lowercase, every character outside [a-z0-9]
// becomes a separator. Non-ASCII letters are therefore dropped, exactly as rouge-score does.
std::vector<std::string> tokenize_rouge(std::string_view text);

} // namespace llmops::eval
