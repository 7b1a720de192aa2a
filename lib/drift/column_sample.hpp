#pragma once
// One side's values of each compared column, read in one pass over a ColumnSource: numbers,
// category counts, and for strings the text descriptors (docs/drift.md, "Text columns").
#include "drift/column_source.hpp"
#include "drift/word_set.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
    // The reservoir's step for the next string: the slot it takes (text_sample.size() for a new
    // one), or nullopt when it is not sampled; counts the string as seen.
    std::optional<std::size_t> next_text_slot();
    void put_text(std::size_t slot, std::string_view text);

    std::int64_t non_null() const { return numbers + strings + booleans + composites; }
};

inline constexpr std::size_t kCategoryLimit = 10000;
inline constexpr std::size_t kTextSample = 5000;

// The vocabulary of the reference's text columns: the words (lower-cased) of the first half
// of the reference's rows; OOV shares are measured on the rest and on the current side.
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

// One part of a side (a dataset chunk, or the rows of one within a range) read on its own, on
// any thread: its samples, without the strings' reservoir, which depends on the order of all of
// the side's strings; instead each column's string values (raw JSON, views into `content`) are
// kept for append_part to sample in order.
struct PartSamples {
    std::string content;
    std::vector<ColumnSample> columns; // as the columns were given
    std::vector<std::vector<std::string_view>> strings;
};

// Reads the rows of `content` (canonical JSON, one a line; its first row is the side's row
// `first_row`) whose index is in [from, to), keeping `columns`. `vocabulary` (one per column,
// may be null) is looked up for OOV shares, or, when `learn` is given (one per column), the
// words are added to `learn` instead and no OOV share is taken. `uncounted` (one per column):
// the columns whose side already has too many categories to count, which the part need not
// count either.
PartSamples read_part(std::string content, std::int64_t first_row, std::int64_t from,
                      std::int64_t to, const std::vector<std::string>& columns,
                      const std::vector<const WordSet*>& vocabulary,
                      const std::vector<WordSet*>& learn, const std::vector<bool>& uncounted);

// Appends a part's samples to the side's (parts must come in row order): the result is what
// read_columns gives when it reads the same rows one after the other. `expected_rows` is the
// side's row count, to which value vectors are reserved.
void append_part(std::map<std::string, ColumnSample>& side, const std::vector<std::string>& columns,
                 PartSamples&& part, std::size_t expected_rows);

} // namespace llmops::drift
