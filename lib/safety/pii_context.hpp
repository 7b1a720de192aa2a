#pragma once
// Context words: a candidate's score rises when one of its recognizer's words or phrases occurs
// as whole words near it. "lic" (licence) must not fire inside "public", nor "cell" inside
// "excellent" (Presidio matches substrings, #1063). Words are runs of letters and digits,
// compared after ASCII lower-casing.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::safety {

// A phrase split into its words: "date of birth" -> {"date", "of", "birth"}.
using ContextPhrase = std::vector<std::string>;
std::vector<ContextPhrase> context_phrases(const std::vector<std::string>& words);

// True when one of `phrases` occurs, word for word, among the `words_before` words before byte
// `begin` or the `words_after` words after byte `end` of `text`.
bool has_context(std::string_view text, std::size_t begin, std::size_t end,
                 const std::vector<ContextPhrase>& phrases, std::size_t words_before,
                 std::size_t words_after);

} // namespace llmops::safety
