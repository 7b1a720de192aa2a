// lib/drift: reading both sides part by part on several threads (a dataset's chunks) gives the
// very report of reading them row by row; the pieces that make it fast (the word set, the word
// scan, the value sort) each against what they replace.
#include "core/error.hpp"
#include "drift/drift_report.hpp"
#include "drift/text_words.hpp"
#include "drift/value_sort.hpp"
#include "drift/word_set.hpp"
#include "stats/statistics.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace llmops::drift;

namespace {

// Rows as canonical JSON text, read whole or, when `parts` is given, in parts of those sizes.
class TextRowsSource : public ColumnSource {
  public:
    TextRowsSource(std::vector<std::string> rows, std::vector<std::int64_t> parts)
        : rows_(std::move(rows)), parts_(std::move(parts)) {}
    std::string label() const override { return "rows"; }
    std::optional<std::int64_t> row_count() const override {
        return static_cast<std::int64_t>(rows_.size());
    }
    std::vector<std::string> fields() const override { return {"n", "k", "cat", "text", "id"}; }
    void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override {
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (!fn(rows_[i], static_cast<std::int64_t>(i))) return;
    }
    bool reads_concurrently() const override { return true; }
    std::vector<std::int64_t> part_rows() const override { return parts_; }
    std::string read_part(std::size_t part) override {
        std::size_t first = 0;
        for (std::size_t p = 0; p < part; ++p)
            first += static_cast<std::size_t>(parts_[p]);
        std::string out;
        for (std::int64_t i = 0; i < parts_[part]; ++i)
            out += rows_[first + static_cast<std::size_t>(i)] + "\n";
        return out;
    }

  private:
    std::vector<std::string> rows_;
    std::vector<std::int64_t> parts_;
};

// A side of `count` rows: a number (sometimes null or missing), an integer, a category, text
// with capitals, escapes and non-ASCII letters, and an id with too many values to count.
std::vector<std::string> make_rows(int count, int shift, unsigned seed) {
    std::mt19937 random(seed);
    const std::vector<std::string> words = {"Refund", "invoice",   "l'été",          "ÉCOLE",
                                            "naïve",  "tab\\tbed", "\\\"quoted\\\"", "42",
                                            "x9",     "ok"};
    std::vector<std::string> rows;
    for (int i = 0; i < count; ++i) {
        std::string row = "{\"cat\":\"" + std::string(1, static_cast<char>('a' + random() % 5)) +
                          "\",\"id\":\"id-" + std::to_string(i * 7 + shift) + "\"";
        row += ",\"k\":" + std::to_string(random() % 9 + static_cast<unsigned>(shift));
        if (i % 17 == 3)
            row += ",\"n\":null";
        else if (i % 23 != 5)
            row += ",\"n\":" + std::to_string(static_cast<double>(random() % 100000) / 7.0 + shift);
        std::string text;
        for (unsigned w = 0; w < 1 + random() % 8; ++w)
            text +=
                (w ? " " : "") + words[(random() + static_cast<unsigned>(shift)) % words.size()];
        text += " n" + std::to_string(random() % 100000); // mostly distinct: a text column
        if (i % 11 != 0) row += ",\"text\":\"" + text + "\"";
        rows.push_back(row + "}");
    }
    return rows;
}

std::vector<std::int64_t> irregular_parts(std::int64_t rows) {
    std::vector<std::int64_t> parts;
    const std::int64_t sizes[] = {1, 250, 0, 13, 977, 64, 3};
    for (std::size_t p = 0; rows > 0; ++p) {
        const std::int64_t n = std::min(rows, sizes[p % 7]);
        parts.push_back(n);
        rows -= n;
    }
    return parts;
}

} // namespace

TEST_CASE("drift: reading in parts gives the report of reading row by row", "[drift]") {
    // More than 10,000 ids: the id column stops being counted as categories part way.
    const auto ref = make_rows(12000, 0, 1), cur = make_rows(11000, 3, 2);
    TextRowsSource whole_ref(ref, {}), whole_cur(cur, {});
    TextRowsSource parted_ref(ref, irregular_parts(12000)), parted_cur(cur, irregular_parts(11000));
    // The middle of the reference (its vocabulary half) falls inside a part.
    const DriftReport whole = run_drift(whole_ref, whole_cur, {});
    const DriftReport parted = run_drift(parted_ref, parted_cur, {});
    CHECK(parted.to_json().dump() == whole.to_json().dump());
    const auto j = parted.to_json();
    REQUIRE(j["columns"].size() == 5);
    for (const int text_column : {3, 4}) { // text, and the ids too many to count
        CHECK(j["columns"][text_column]["kind"] == "text");
        CHECK_FALSE(j["columns"][text_column]["content"]["current_examples"].empty());
    }
    CHECK(j["columns"][3]["descriptors"].contains("oov_share"));
}

TEST_CASE("drift: a part read slowly holds the others back, same report", "[drift]") {
    // A thread stuck on one part: the other reads at most a bounded number of parts ahead,
    // then waits for it (on one core it simply reads them after).
    class Slow : public TextRowsSource {
      public:
        using TextRowsSource::TextRowsSource;
        std::string read_part(std::size_t part) override {
            if (part == 2 || part == 900)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return TextRowsSource::read_part(part);
        }
    };
    const auto ref = make_rows(12000, 0, 4), cur = make_rows(12000, 1, 5);
    const std::vector<std::int64_t> tens(1200, 10);
    TextRowsSource whole_ref(ref, {}), whole_cur(cur, {});
    Slow slow_ref(ref, tens), slow_cur(cur, tens);
    CHECK(run_drift(slow_ref, slow_cur, {}).to_json().dump() ==
          run_drift(whole_ref, whole_cur, {}).to_json().dump());
}

TEST_CASE("drift: a part that fails to read fails the whole report", "[drift]") {
    class Broken : public TextRowsSource {
      public:
        using TextRowsSource::TextRowsSource;
        std::string read_part(std::size_t part) override {
            if (part == 5) throw llmops::Error(llmops::ErrorKind::Store, "corrupt object");
            return TextRowsSource::read_part(part);
        }
    };
    const auto rows = make_rows(3000, 0, 3);
    Broken ref(rows, irregular_parts(3000));
    TextRowsSource cur(rows, irregular_parts(3000));
    CHECK_THROWS_WITH(run_drift(ref, cur, {}), Catch::Contains("corrupt object"));
}

TEST_CASE("drift: the word set holds exactly the words put in it", "[drift]") {
    WordSet set, other;
    for (int i = 0; i < 5000; ++i)
        set.insert("w" + std::to_string(i));
    set.insert("w1"); // again
    CHECK(set.size() == 5000);
    CHECK(set.contains("w0"));
    CHECK(set.contains("w4999"));
    CHECK_FALSE(set.contains("w5000"));
    CHECK_FALSE(set.contains("w"));
    CHECK_FALSE(set.contains(""));
    other.insert("w7");
    other.insert("été");
    set.merge(other);
    CHECK(set.size() == 5001);
    CHECK(set.contains("été"));
    CHECK_FALSE(WordSet().contains("w0"));
    // Every word of 'a's and 'b's up to 10 letters (short words are told apart by their hash
    // alone, so those of one length that share bytes must not be confused): half of them in.
    std::vector<std::string> all = {""};
    for (std::size_t at = 0; all[at].size() < 10; ++at)
        for (const char c : {'a', 'b'})
            all.push_back(all[at] + c);
    auto chosen = [](const std::string& w) { return std::count(w.begin(), w.end(), 'a') % 2 == 0; };
    WordSet half;
    for (const auto& w : all)
        if (!w.empty() && chosen(w)) half.insert(w);
    for (const auto& w : all)
        if (!w.empty()) REQUIRE(half.contains(w) == chosen(w));
}

TEST_CASE("drift: words, code points and letters of a text", "[drift]") {
    double code_points = 0, letters = 0;
    std::vector<std::string> words;
    scan_words("Hello WORLD, l'Été 42x\xff"
               "ab",
               code_points, letters, [&](std::string_view w) { words.emplace_back(w); });
    CHECK(words == std::vector<std::string>{"hello", "world", "l'été", "42x", "ab"});
    CHECK(code_points == 25); // the invalid byte counts as one
    CHECK(letters == 17);
    CHECK(text_words("  mixedCase ÉCOLE's 3 ") ==
          std::vector<std::string>{"mixedcase", "école's", "3"});
    CHECK(text_words("").empty());
}

TEST_CASE("drift: sort_values orders as stats::sort_ascending", "[drift]") {
    std::mt19937_64 random(7);
    std::vector<std::vector<double>> samples(5);
    for (int i = 0; i < 100000; ++i) {
        samples[0].push_back(static_cast<double>(random() % 300));     // small integers
        samples[1].push_back(static_cast<double>(random() % 7) / 3.0); // few fractions
        samples[2].push_back(std::ldexp(static_cast<double>(random() % 2000000) - 1e6,
                                        static_cast<int>(random() % 80) - 40)); // many, signed
        samples[3].push_back(i % 1000 == 0 ? -0.0 : static_cast<double>(random() % 50) - 25.5);
        samples[4].push_back(1e6 +
                             static_cast<double>(random() % 1000000) * 0.001); // same exponent
    }
    samples.push_back({3, 1, 2});
    for (auto sample : samples) {
        auto expected = sample;
        llmops::stats::sort_ascending(expected);
        sort_values(sample);
        REQUIRE(sample.size() == expected.size());
        for (std::size_t i = 0; i < sample.size(); ++i)
            REQUIRE(std::signbit(sample[i]) == std::signbit(expected[i]));
        CHECK(sample == expected);
    }
}
