#pragma once
// The accumulator behind one field's profile: fed the canonical JSON text of each value,
// it keeps counts, a distinct counter, top values, numeric moments and value samples.
#include "data/profile/field_profile.hpp"
#include "stats/distinct_counter.hpp"
#include "stats/top_values.hpp"
#include "stats/value_sample.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace llmops::data {

struct FieldStatsLimits {
    std::size_t exact_distinct = 1'000'000; // distinct values counted exactly up to this
    std::size_t exact_values = 1'000'000;   // values kept for exact percentiles up to this
    std::size_t reservoir = 65'536;         // sample size past exact_values
    std::size_t top_capacity = 1024;        // top values exact up to this many distinct values
    std::size_t top_k = 10;
    int histogram_bins = 20;
};

class FieldStats {
  public:
    // `name` is the key as it appears in canonical JSON (still escaped). A light field only
    // counts presence and types (past the profiler's field limit).
    FieldStats(std::string name, const FieldStatsLimits& limits, bool light = false);

    const std::string& key() const { return key_; }
    // `value` is canonical JSON text; `utf8_checked` false when the row failed UTF-8
    // validation, so that string values are checked one by one.
    void add(std::string_view value, bool row_utf8_valid = true);

    // Bytes held by the structures that switch to fixed-size sketches when memory runs short.
    std::size_t exact_memory_bytes() const;
    // Switches the biggest of those structures to its sketch; false when none is left.
    bool shrink();

    FieldProfile finish(std::uint64_t rows);

  private:
    enum Type { kString, kInteger, kNumber, kBoolean, kNull, kObject, kArray, kTypeCount };
    void add_number(std::string_view value);
    void add_string(std::string_view value, bool row_utf8_valid);
    void flush_pending();

    std::string key_;
    FieldStatsLimits limits_;
    bool light_;
    std::uint64_t present_ = 0;
    std::array<std::uint64_t, kTypeCount> types_{};
    stats::DistinctCounter distinct_;
    // The last value's hash, inserted into distinct_ on the next add(): its slot is
    // prefetched meanwhile (a big exact set misses the cache on nearly every insert).
    std::uint64_t pending_hash_ = 0;
    bool has_pending_ = false;
    stats::TopValues top_;

    // Numbers: Welford's running mean and sum of squared deviations.
    double num_min_ = std::numeric_limits<double>::infinity();
    double num_max_ = -std::numeric_limits<double>::infinity();
    double num_mean_ = 0, num_m2_ = 0;
    std::uint64_t num_count_ = 0;
    stats::ValueSample num_sample_;

    // Strings.
    std::uint64_t text_count_ = 0, text_empty_ = 0;
    std::uint64_t chars_min_ = std::numeric_limits<std::uint64_t>::max(), chars_max_ = 0;
    std::uint64_t chars_total_ = 0;
    std::uint64_t words_min_ = std::numeric_limits<std::uint64_t>::max(), words_max_ = 0;
    std::uint64_t words_total_ = 0, tokens_total_ = 0;
    std::uint64_t control_values_ = 0, control_chars_ = 0, invalid_utf8_ = 0;
    stats::ValueSample chars_sample_;
    std::string scratch_;
};

} // namespace llmops::data
