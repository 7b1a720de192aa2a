#pragma once
// One side's values of each compared column, read in one pass over a ColumnSource: numbers,
// category counts, and for strings the text descriptors (docs/drift.md, "Text columns").
#include "core/hash.hpp"
#include "drift/column_source.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace llmops::drift {

// Text descriptors of one string column, one value per non-null string.
struct TextDescriptors {
    std::vector<double> length_chars;     // Unicode code points
    std::vector<double> length_words;     // maximal runs of letters/digits/apostrophes
    std::vector<double> non_letter_share; // share of code points that are not letters
    std::vector<double> oov_share; // share of words outside the vocabulary (see ColumnSample)
    double word_total = 0;
};

struct ColumnSample {
    std::int64_t rows = 0; // rows of the side
    // The side's row count when known: a value vector is reserved to it on its first value,
    // so it never grows by copying (and never overshoots).
    std::size_t expected_rows = 0;
    std::int64_t missing = 0; // rows without the field
    std::int64_t nulls = 0;   // rows where it is null
    std::int64_t numbers = 0, strings = 0, booleans = 0, composites = 0;
    std::optional<std::int64_t> non_finite_row; // first row holding a number beyond double range
    std::vector<double> numeric_values;         // the numbers, in row order
    // Category counts by canonical value text (strings decoded, others as JSON), while there are
    // at most kCategoryLimit distinct values; then `too_many_categories` and the map is cleared.
    std::map<std::string, std::uint64_t, std::less<>> categories;
    bool too_many_categories = false;
    TextDescriptors text;
    // A uniform sample of the strings (reservoir of kTextSample, fixed seed) for the domain
    // classifier.
    std::vector<std::string> text_sample;
    std::uint64_t strings_seen = 0;
    void add_text(std::string_view text);

    std::int64_t non_null() const { return numbers + strings + booleans + composites; }
};

inline constexpr std::size_t kCategoryLimit = 10000;
inline constexpr std::size_t kTextSample = 5000;

// The vocabulary of the reference's text columns: the words (lower-cased) of the first half
// of the reference's rows; OOV shares are measured on the rest and on the current side.
struct WordHash {
    using is_transparent = void;
    // XXH3: about twice as fast as std::hash on short words, the lookup drift makes most.
    std::size_t operator()(std::string_view w) const { return hash64(w); }
};
using WordSet = std::unordered_set<std::string, WordHash, std::equal_to<>>;

struct Vocabulary {
    std::map<std::string, WordSet> words; // per column
    std::int64_t reference_rows_used = 0;
};

// Reads every row of `source`, keeping `columns`. `building_vocabulary`: this is the reference
// (its first half fills `vocabulary`, and `vocabulary_done` is called once that half is read,
// after which `vocabulary` is only read); otherwise `vocabulary` is read only.
std::map<std::string, ColumnSample> read_columns(ColumnSource& source,
                                                 const std::vector<std::string>& columns,
                                                 Vocabulary& vocabulary, bool building_vocabulary,
                                                 const std::function<void()>& vocabulary_done = {});

} // namespace llmops::drift
