#pragma once
// String-match assertions (promptfoo's deterministic assertions) and edit-distance similarity.
// All take UTF-8. Case-sensitive checks compare bytes; the case-insensitive ones compare
// casefold() forms (NFC + Unicode case folding), so "STRASSE" icontains "straße".
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace llmops::eval {

// Byte-for-byte equality.
bool equals(std::string_view output, std::string_view expected);
// SQuAD exact match: equal after normalize_answer() (case, punctuation, articles, spaces).
bool exact_match(std::string_view output, std::string_view expected);
bool contains(std::string_view output, std::string_view needle);
bool icontains(std::string_view output, std::string_view needle);
bool not_contains(std::string_view output, std::string_view needle);
// True when at least one needle occurs; false for an empty list.
bool contains_any(std::string_view output, const std::vector<std::string>& needles,
                  bool ignore_case = false);
// True when every needle occurs; true for an empty list.
bool contains_all(std::string_view output, const std::vector<std::string>& needles,
                  bool ignore_case = false);
bool starts_with(std::string_view output, std::string_view prefix);

// An RE2 pattern compiled once and searched many times (unanchored, like Python's re.search;
// anchor with ^ and $). RE2 runs in linear time, so a user's pattern cannot hang an eval.
class RegexMatcher {
  public:
    // Throws llmops::Error (BadInput) carrying RE2's message when the pattern is invalid.
    explicit RegexMatcher(std::string_view pattern);
    ~RegexMatcher();
    RegexMatcher(RegexMatcher&&) noexcept;
    RegexMatcher& operator=(RegexMatcher&&) noexcept;

    bool search(std::string_view text) const;
    const std::string& pattern() const { return pattern_; }

  private:
    std::string pattern_;
    std::unique_ptr<re2::RE2> re_;
};

// One-off form of RegexMatcher(pattern).search(output).
bool regex_search(std::string_view output, std::string_view pattern);

// Levenshtein distance over Unicode code points (insert, delete, substitute cost 1).
std::size_t levenshtein_distance(std::string_view a, std::string_view b);
// 1 - distance / max(code points of a, b), in [0, 1]; 1.0 when both are empty.
double levenshtein_similarity(std::string_view a, std::string_view b);

} // namespace llmops::eval
