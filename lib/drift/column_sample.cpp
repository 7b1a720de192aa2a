#include "drift/column_sample.hpp"

#include "data/canonical_row.hpp"
#include "data/dataset_rows.hpp"
#include "data/schema_summary.hpp"
#include "drift/huge_pages.hpp"
#include "drift/text_words.hpp"
#include "stats/statistics.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace llmops::drift {

namespace {

void add_category(ColumnSample& s, std::string_view key) {
    if (s.too_many_categories) return;
    auto it = s.categories.find(key);
    if (it != s.categories.end()) {
        ++it->second;
        return;
    }
    s.categories.emplace(std::string(key), 1);
    if (s.categories.size() > kCategoryLimit) {
        s.too_many_categories = true;
        s.categories.clear();
    }
}

// A canonical JSON string's text: without a backslash it is what stands between the quotes.
std::string_view string_text(std::string_view value, std::string& scratch) {
    if (value.size() >= 2 && value.back() == '"' &&
        std::memchr(value.data(), '\\', value.size()) == nullptr)
        return value.substr(1, value.size() - 2);
    return decode_json_string(value, scratch);
}

// A value vector reserved to its side's row count (8 MB a million rows), in huge pages.
void reserve_values(std::vector<double>& values, std::size_t count) {
    values.reserve(count);
    advise_huge_pages(values.data(), values.capacity() * sizeof(double));
}

void append(std::vector<double>& to, std::vector<double>& from, std::size_t reserve) {
    if (from.empty()) return;
    if (to.empty()) reserve_values(to, std::max(reserve, from.size()));
    to.insert(to.end(), from.begin(), from.end());
}

} // namespace

std::optional<std::size_t> ColumnSample::next_text_slot() {
    // Reservoir sampling (Vitter's algorithm R) with a generator seeded from the count, so the
    // sample depends only on the strings and their order.
    const std::uint64_t seen = strings_seen++;
    if (text_sample.size() < kTextSample) return text_sample.size();
    const std::uint64_t j = stats::mix64(seen) % (seen + 1);
    if (j < kTextSample) return static_cast<std::size_t>(j);
    return std::nullopt;
}

void ColumnSample::put_text(std::size_t slot, std::string_view text) {
    if (slot == text_sample.size())
        text_sample.emplace_back(text);
    else
        text_sample[slot].assign(text);
}

void ColumnSample::add_text(std::string_view text) {
    if (const auto slot = next_text_slot()) put_text(*slot, text);
}

namespace {

// Where the words of a string go: looked up in `vocabulary` (may be null: every word is out of
// it) or added to `learn`.
struct WordSink {
    const WordSet* vocabulary = nullptr;
    WordSet* learn = nullptr;
};

// One field value of one row into its column's sample. `strings`: where a string value goes for
// the reservoir when it is sampled later (append_part); null: sampled now.
void add_value(ColumnSample& s, std::string_view value, std::int64_t index, WordSink words_to,
               std::string& scratch, std::vector<std::string_view>* strings) {
    const char first = value.empty() ? 'n' : value.front();
    if (first == 'n' && value == "null") {
        ++s.nulls;
    } else if (first == '"') {
        ++s.strings;
        const std::string_view text = string_text(value, scratch);
        add_category(s, text);
        if (strings) {
            if (strings->empty()) strings->reserve(s.expected_rows);
            strings->push_back(value);
        } else
            s.add_text(text);
        double code_points = 0, letters = 0;
        std::size_t words = 0, unknown = 0;
        if (words_to.learn) {
            scan_words(text, code_points, letters, [&](std::string_view w) {
                ++words;
                words_to.learn->insert(w);
            });
        } else {
            const WordSet* vocabulary = words_to.vocabulary;
            scan_words(text, code_points, letters, [&](std::string_view w) {
                ++words;
                if (!vocabulary || !vocabulary->contains(w)) ++unknown;
            });
        }
        auto& d = s.text;
        if (d.length_chars.empty())
            for (auto* v : {&d.length_chars, &d.length_words, &d.non_letter_share, &d.oov_share})
                reserve_values(*v, s.expected_rows);
        const double word_count = static_cast<double>(words);
        d.length_chars.push_back(code_points);
        d.length_words.push_back(word_count);
        d.non_letter_share.push_back(code_points > 0 ? 1.0 - letters / code_points : 0.0);
        d.word_total += word_count;
        if (!words_to.learn && words > 0)
            d.oov_share.push_back(static_cast<double>(unknown) / word_count);
    } else if (first == 't' || first == 'f') {
        ++s.booleans;
        add_category(s, value);
    } else if (first == '{' || first == '[') {
        ++s.composites;
        add_category(s, value);
    } else {
        ++s.numbers;
        double v = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(v)) {
            if (!s.non_finite_row) s.non_finite_row = index;
            return;
        }
        if (s.numeric_values.empty()) reserve_values(s.numeric_values, s.expected_rows);
        s.numeric_values.push_back(v);
    }
}

// Keys are short: compared in a loop kept inline rather than by a call to memcmp.
bool same_key(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// Finds the wanted columns among a row's members: a linear scan per member for few columns, a
// hash map from key to column for many.
class ColumnFinder {
  public:
    explicit ColumnFinder(const std::vector<std::string>& columns) : seen_(columns.size()) {
        for (const auto& c : columns)
            keys_.push_back(data::canonical_key(c)); // as it stands between the quotes
        if (keys_.size() > kLinear)
            for (std::size_t k = 0; k < keys_.size(); ++k)
                by_key_.emplace(keys_[k], k);
    }
    // Calls fn(column, value) for the first member of each wanted column in `row`, then
    // missing(column) for each wanted column the row lacks.
    template <typename Fn, typename Missing>
    void for_each(std::string_view row, Fn&& fn, Missing&& missing) {
        std::fill(seen_.begin(), seen_.end(), 0);
        const bool linear = keys_.size() <= kLinear;
        data::for_each_member(row, [&](std::string_view key, std::string_view value) {
            std::size_t k = keys_.size();
            if (linear) {
                for (std::size_t i = 0; i < keys_.size(); ++i)
                    if (same_key(keys_[i], key)) {
                        k = i;
                        break;
                    }
            } else if (auto it = by_key_.find(key); it != by_key_.end()) {
                k = it->second;
            }
            if (k == keys_.size() || seen_[k]) return;
            seen_[k] = 1;
            fn(k, value);
        });
        for (std::size_t k = 0; k < keys_.size(); ++k)
            if (!seen_[k]) missing(k);
    }

  private:
    static constexpr std::size_t kLinear = 16;
    std::vector<std::string> keys_;
    std::unordered_map<std::string_view, std::size_t> by_key_;
    std::vector<char> seen_;
};

} // namespace

std::map<std::string, ColumnSample> read_columns(ColumnSource& source,
                                                 const std::vector<std::string>& columns,
                                                 Vocabulary& vocabulary, bool building_vocabulary,
                                                 const std::function<void()>& vocabulary_done) {
    std::map<std::string, ColumnSample> samples;
    std::vector<ColumnSample*> sample_of;
    std::vector<WordSet*> vocab_of;
    const std::int64_t total = source.row_count().value_or(0);
    for (const auto& c : columns) {
        sample_of.push_back(&samples[c]);
        vocab_of.push_back(&vocabulary.words[c]);
        samples[c].expected_rows = static_cast<std::size_t>(std::max<std::int64_t>(total, 0));
    }
    ColumnFinder finder(columns);
    const std::int64_t vocabulary_rows = building_vocabulary ? total / 2 : 0;
    if (building_vocabulary) vocabulary.reference_rows_used = vocabulary_rows;
    std::string scratch;
    bool vocabulary_open = building_vocabulary;
    auto close_vocabulary = [&] {
        if (!vocabulary_open) return;
        vocabulary_open = false;
        if (vocabulary_done) vocabulary_done();
    };
    source.for_each_row([&](std::string_view row, std::int64_t index) {
        const bool learn = index < vocabulary_rows;
        if (!learn) close_vocabulary();
        finder.for_each(
            row,
            [&](std::size_t k, std::string_view value) {
                const WordSink sink =
                    learn ? WordSink{nullptr, vocab_of[k]} : WordSink{vocab_of[k], nullptr};
                add_value(*sample_of[k], value, index, sink, scratch, nullptr);
            },
            [&](std::size_t k) { ++sample_of[k]->missing; });
        for (ColumnSample* s : sample_of)
            ++s->rows;
        return true;
    });
    close_vocabulary();
    return samples;
}

PartSamples read_part(std::string content, std::int64_t first_row, std::int64_t from,
                      std::int64_t to, const std::vector<std::string>& columns,
                      const std::vector<const WordSet*>& vocabulary,
                      const std::vector<WordSet*>& learn, const std::vector<bool>& uncounted) {
    PartSamples part;
    part.content = std::move(content);
    part.columns.resize(columns.size());
    for (std::size_t k = 0; k < columns.size(); ++k) {
        part.columns[k].too_many_categories = uncounted[k];
        part.columns[k].expected_rows =
            static_cast<std::size_t>(std::max<std::int64_t>(to - from, 0));
    }
    part.strings.resize(columns.size());
    ColumnFinder finder(columns);
    std::string scratch;
    std::int64_t index = first_row;
    data::for_each_line(part.content, index, [&](std::string_view row, std::int64_t i) {
        if (i < from) return true;
        if (i >= to) return false;
        finder.for_each(
            row,
            [&](std::size_t k, std::string_view value) {
                const WordSink sink =
                    learn.empty() ? WordSink{vocabulary[k], nullptr} : WordSink{nullptr, learn[k]};
                add_value(part.columns[k], value, i, sink, scratch, &part.strings[k]);
            },
            [&](std::size_t k) { ++part.columns[k].missing; });
        for (ColumnSample& s : part.columns)
            ++s.rows;
        return true;
    });
    return part;
}

void append_part(std::map<std::string, ColumnSample>& side, const std::vector<std::string>& columns,
                 PartSamples&& part, std::size_t expected_rows) {
    std::string scratch;
    for (std::size_t k = 0; k < columns.size(); ++k) {
        ColumnSample& s = side[columns[k]];
        ColumnSample& p = part.columns[k];
        s.expected_rows = expected_rows;
        s.rows += p.rows;
        s.missing += p.missing;
        s.nulls += p.nulls;
        s.numbers += p.numbers;
        s.strings += p.strings;
        s.booleans += p.booleans;
        s.composites += p.composites;
        if (!s.non_finite_row) s.non_finite_row = p.non_finite_row;
        append(s.numeric_values, p.numeric_values, expected_rows);
        // Counting stops at the same point as when counted row by row: once the column has
        // more distinct values than the limit, whichever rows held them.
        if (!s.too_many_categories && p.too_many_categories) {
            s.too_many_categories = true;
            s.categories.clear();
        }
        for (auto& [key, n] : p.categories) {
            if (s.too_many_categories) break;
            auto it = s.categories.find(key);
            if (it != s.categories.end()) {
                it->second += n;
                continue;
            }
            s.categories.emplace(key, n);
            if (s.categories.size() > kCategoryLimit) {
                s.too_many_categories = true;
                s.categories.clear();
            }
        }
        auto& d = s.text;
        append(d.length_chars, p.text.length_chars, expected_rows);
        append(d.length_words, p.text.length_words, expected_rows);
        append(d.non_letter_share, p.text.non_letter_share, expected_rows);
        append(d.oov_share, p.text.oov_share, expected_rows);
        d.word_total += p.text.word_total;
        // Decoded only when the reservoir takes it (a few in a thousand, once it is full).
        for (std::string_view value : part.strings[k])
            if (const auto slot = s.next_text_slot())
                s.put_text(*slot, string_text(value, scratch));
    }
}

} // namespace llmops::drift
