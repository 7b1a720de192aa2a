#include "eval/metrics/string_match.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "eval/metrics/text_normalize.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <numeric>

namespace llmops::eval {

bool equals(std::string_view output, std::string_view expected) {
    return output == expected;
}

bool exact_match(std::string_view output, std::string_view expected) {
    return normalize_answer(output) == normalize_answer(expected);
}

bool contains(std::string_view output, std::string_view needle) {
    return output.find(needle) != std::string_view::npos;
}

bool icontains(std::string_view output, std::string_view needle) {
    // Both sides are valid UTF-8 after casefold(), and UTF-8 is self-synchronising, so a byte
    // search cannot match in the middle of a character.
    return casefold(output).find(casefold(needle)) != std::string::npos;
}

bool not_contains(std::string_view output, std::string_view needle) {
    return !contains(output, needle);
}

bool contains_any(std::string_view output, const std::vector<std::string>& needles,
                  bool ignore_case) {
    if (!ignore_case)
        return std::any_of(needles.begin(), needles.end(),
                           [&](const std::string& n) { return contains(output, n); });
    const std::string folded = casefold(output);
    return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) {
        return folded.find(casefold(n)) != std::string::npos;
    });
}

bool contains_all(std::string_view output, const std::vector<std::string>& needles,
                  bool ignore_case) {
    if (!ignore_case)
        return std::all_of(needles.begin(), needles.end(),
                           [&](const std::string& n) { return contains(output, n); });
    const std::string folded = casefold(output);
    return std::all_of(needles.begin(), needles.end(), [&](const std::string& n) {
        return folded.find(casefold(n)) != std::string::npos;
    });
}

bool starts_with(std::string_view output, std::string_view prefix) {
    return output.substr(0, prefix.size()) == prefix;
}

RegexMatcher::RegexMatcher(std::string_view pattern) : pattern_(pattern) {
    RE2::Options options;
    options.set_log_errors(false); // lib/ never prints; the error goes into the exception
    re_ = std::make_unique<RE2>(pattern_, options);
    if (!re_->ok())
        throw Error(ErrorKind::BadInput,
                    "invalid regular expression '" + pattern_ + "': " + re_->error());
}

RegexMatcher::~RegexMatcher() = default;
RegexMatcher::RegexMatcher(RegexMatcher&&) noexcept = default;
RegexMatcher& RegexMatcher::operator=(RegexMatcher&&) noexcept = default;

bool RegexMatcher::search(std::string_view text) const {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool regex_search(std::string_view output, std::string_view pattern) {
    return RegexMatcher(pattern).search(output);
}

std::size_t levenshtein_distance(std::string_view a, std::string_view b) {
    std::u32string s = decode_utf8(a);
    std::u32string t = decode_utf8(b);
    if (s.size() < t.size()) std::swap(s, t); // the row is the shorter string
    // Two-row dynamic programme: row[j] = distance(s[0..i), t[0..j)).
    std::vector<std::size_t> row(t.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= s.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= t.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitute = diagonal + (s[i - 1] == t[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[t.size()];
}

double levenshtein_similarity(std::string_view a, std::string_view b) {
    const std::size_t longest = std::max(code_point_count(a), code_point_count(b));
    if (longest == 0) return 1.0;
    return 1.0 - static_cast<double>(levenshtein_distance(a, b)) / static_cast<double>(longest);
}

} // namespace llmops::eval
