#include "drift/column_sample.hpp"

#include "data/canonical_row.hpp"
#include "drift/text_words.hpp"
#include "stats/statistics.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

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

std::map<std::string, ColumnSample> read_columns(ColumnSource& source,
                                                 const std::vector<std::string>& columns,
                                                 Vocabulary& vocabulary, bool building_vocabulary) {
    std::map<std::string, ColumnSample> samples;
    std::vector<std::pair<std::string, ColumnSample*>> keys; // canonical key, sample
    for (const auto& c : columns)
        keys.emplace_back(data::canonical_key(c), &samples[c]);
    const std::int64_t total = source.row_count().value_or(0);
    const std::int64_t vocabulary_rows = building_vocabulary ? total / 2 : 0;
    if (building_vocabulary) vocabulary.reference_rows_used = vocabulary_rows;
    for (auto& [name, s] : samples) // most columns hold one kind: reserve for it
        s.numeric_values.reserve(static_cast<std::size_t>(std::min<std::int64_t>(total, 1 << 24)));
    std::string scratch;
    source.for_each_row([&](std::string_view row, std::int64_t index) {
        const bool learn = index < vocabulary_rows;
        for (std::size_t k = 0; k < keys.size(); ++k) {
            ColumnSample& s = *keys[k].second;
            ++s.rows;
            const auto value = data::find_field(row, keys[k].first);
            if (!value) {
                ++s.missing;
                continue;
            }
            const char first = value->empty() ? 'n' : value->front();
            if (*value == "null") {
                ++s.nulls;
            } else if (first == '"') {
                ++s.strings;
                const std::string_view text = decode_json_string(*value, scratch);
                add_category(s, text);
                s.add_text(text);
                const TextScan scan = scan_text(text);
                auto& d = s.text;
                d.length_chars.push_back(scan.code_points);
                d.length_words.push_back(static_cast<double>(scan.words.size()));
                d.non_letter_share.push_back(
                    scan.code_points > 0 ? 1.0 - scan.letters / scan.code_points : 0.0);
                d.word_total += static_cast<double>(scan.words.size());
                auto& vocab = vocabulary.words[columns[k]];
                if (learn) {
                    for (auto& w : scan.words)
                        vocab.insert(std::move(w));
                } else if (!scan.words.empty()) {
                    double unknown = 0;
                    for (const auto& w : scan.words)
                        if (!vocab.count(w)) unknown += 1;
                    d.oov_share.push_back(unknown / static_cast<double>(scan.words.size()));
                }
            } else if (first == 't' || first == 'f') {
                ++s.booleans;
                add_category(s, *value);
            } else if (first == '{' || first == '[') {
                ++s.composites;
                add_category(s, *value);
            } else {
                ++s.numbers;
                const std::string text(*value);
                const double v = std::strtod(text.c_str(), nullptr);
                if (!std::isfinite(v)) {
                    if (!s.non_finite_row) s.non_finite_row = index;
                    continue;
                }
                s.numeric_values.push_back(v);
            }
        }
        return true;
    });
    return samples;
}

} // namespace llmops::drift
