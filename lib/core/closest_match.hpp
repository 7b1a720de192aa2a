#pragma once
// "Did you mean" for misspelt names and keys: the known word nearest to what was typed, by
// edit distance (insertions, deletions, substitutions and swaps of neighbours, ASCII case
// ignored). One helper, so every suggestion in llmops follows the same rule.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops {

// Edits that turn `a` into `b` (optimal string alignment distance), ASCII case ignored.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is close enough to be a likely typo: at most 1 edit
// for words of up to 3 characters, 2 up to 6, 3 beyond; and fewer edits than the longer of the
// two words (so "x" never suggests "y"). Ties go to the earlier candidate. A candidate equal to
// `word` is never suggested (it was not misspelt).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'NAME'?" for the closest match, or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// `message` + "; did you mean 'NAME'?" when a candidate is close to `word`, else `message`.
std::string with_did_you_mean(std::string message, std::string_view word,
                              const std::vector<std::string>& candidates);

} // namespace llmops
