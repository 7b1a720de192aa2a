#include "drift/column_sample.hpp"

#include "data/canonical_row.hpp"
#include "data/schema_summary.hpp"
#include "drift/text_words.hpp"
#include "stats/statistics.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
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

} // namespace

void ColumnSample::add_text(std::string_view text) {
    // Reservoir sampling (Vitter's algorithm R) with a generator seeded from the count, so the
    // sample depends only on the strings and their order.
    if (text_sample.size() < kTextSample) {
        text_sample.emplace_back(text);
    } else {
        const std::uint64_t j = stats::mix64(strings_seen) % (strings_seen + 1);
        if (j < kTextSample) text_sample[j] = std::string(text);
    }
    ++strings_seen;
}

namespace {

// One field value of one row into its column's sample.
void add_value(ColumnSample& s, std::string_view value, std::int64_t index, bool learn,
               WordSet& vocab, std::string& scratch) {
    const char first = value.empty() ? 'n' : value.front();
    if (value == "null") {
        ++s.nulls;
    } else if (first == '"') {
        ++s.strings;
        const std::string_view text = decode_json_string(value, scratch);
        add_category(s, text);
        s.add_text(text);
        double code_points = 0, letters = 0, words = 0, unknown = 0;
        scan_text(text, code_points, letters, [&](std::string_view w) {
            words += 1;
            if (learn) {
                if (vocab.find(w) == vocab.end()) vocab.emplace(w);
            } else if (vocab.find(w) == vocab.end()) {
                unknown += 1;
            }
        });
        auto& d = s.text;
        if (d.length_chars.empty())
            for (auto* v : {&d.length_chars, &d.length_words, &d.non_letter_share, &d.oov_share})
                v->reserve(s.expected_rows);
        d.length_chars.push_back(code_points);
        d.length_words.push_back(words);
        d.non_letter_share.push_back(code_points > 0 ? 1.0 - letters / code_points : 0.0);
        d.word_total += words;
        if (!learn && words > 0) d.oov_share.push_back(unknown / words);
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
        if (s.numeric_values.empty()) s.numeric_values.reserve(s.expected_rows);
        s.numeric_values.push_back(v);
    }
}

} // namespace

std::map<std::string, ColumnSample> read_columns(ColumnSource& source,
                                                 const std::vector<std::string>& columns,
                                                 Vocabulary& vocabulary, bool building_vocabulary,
                                                 const std::function<void()>& vocabulary_done) {
    std::map<std::string, ColumnSample> samples;
    struct Wanted {
        std::string key; // as it stands between the quotes in canonical text
        ColumnSample* sample;
        WordSet* vocab;
    };
    std::vector<Wanted> wanted;
    const std::int64_t total = source.row_count().value_or(0);
    for (const auto& c : columns) {
        wanted.push_back({data::canonical_key(c), &samples[c], &vocabulary.words[c]});
        samples[c].expected_rows = static_cast<std::size_t>(std::max<std::int64_t>(total, 0));
    }
    // Few columns: a linear scan per member; many: a hash map from key to column.
    std::unordered_map<std::string_view, std::size_t> by_key;
    for (std::size_t k = 0; k < wanted.size(); ++k)
        by_key.emplace(wanted[k].key, k);
    const bool linear = wanted.size() <= 16;
    const std::int64_t vocabulary_rows = building_vocabulary ? total / 2 : 0;
    if (building_vocabulary) vocabulary.reference_rows_used = vocabulary_rows;
    std::string scratch;
    std::vector<char> seen(wanted.size());
    bool vocabulary_open = building_vocabulary;
    auto close_vocabulary = [&] {
        if (!vocabulary_open) return;
        vocabulary_open = false;
        if (vocabulary_done) vocabulary_done();
    };
    source.for_each_row([&](std::string_view row, std::int64_t index) {
        const bool learn = index < vocabulary_rows;
        if (!learn) close_vocabulary();
        std::fill(seen.begin(), seen.end(), 0);
        data::for_each_member(row, [&](std::string_view key, std::string_view value) {
            std::size_t k = wanted.size();
            if (linear) {
                for (std::size_t i = 0; i < wanted.size(); ++i)
                    if (wanted[i].key == key) {
                        k = i;
                        break;
                    }
            } else if (auto it = by_key.find(key); it != by_key.end()) {
                k = it->second;
            }
            if (k == wanted.size() || seen[k]) return;
            seen[k] = 1;
            add_value(*wanted[k].sample, value, index, learn, *wanted[k].vocab, scratch);
        });
        for (std::size_t k = 0; k < wanted.size(); ++k) {
            ++wanted[k].sample->rows;
            if (!seen[k]) ++wanted[k].sample->missing;
        }
        return true;
    });
    close_vocabulary();
    return samples;
}

} // namespace llmops::drift
