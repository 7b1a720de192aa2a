#pragma once
// The profile of one dataset field: what `llmops data profile` reports per field (the
// definitions are in docs/profile.md).
#include "stats/value_sample.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::data {

struct Percentiles {
    double p50 = 0, p90 = 0, p99 = 0;
};

struct NumericProfile {
    std::uint64_t count = 0;
    double min = 0, max = 0, mean = 0, stddev = 0;
    Percentiles percentiles;
    bool exact_percentiles = true;
    stats::Histogram histogram;
};

struct LengthProfile {
    std::uint64_t min = 0, max = 0, total = 0;
    double mean = 0;
    std::optional<Percentiles> percentiles; // chars and tokens only
};

struct TextProfile {
    std::uint64_t count = 0;
    std::uint64_t empty = 0;
    LengthProfile chars, words, tokens;
    bool exact_percentiles = true;
    stats::Histogram histogram;            // of chars
    std::uint64_t control_char_values = 0; // values holding at least one control character
    std::uint64_t control_chars = 0;
    std::uint64_t invalid_utf8_values = 0;
};

struct TopValueCount {
    nlohmann::json value; // the value itself, or its cut text as a string when truncated
    std::uint64_t count = 0;
    bool truncated = false;
};

struct FieldProfile {
    std::string name;
    bool profiled = true; // false past the field limit: only presence and types are counted
    std::uint64_t present = 0, missing = 0, nulls = 0;
    double missing_rate = 0, null_rate = 0;
    std::map<std::string, std::uint64_t> types; // JSON type -> values, non-zero only
    std::string inferred_type;                  // see docs/profile.md
    std::uint64_t distinct = 0;
    bool distinct_exact = true;
    std::vector<TopValueCount> top_values;
    bool top_values_exact = true;
    std::uint64_t top_values_error_bound = 0;
    std::optional<NumericProfile> numeric;
    std::optional<TextProfile> text;

    nlohmann::json to_json() const;
};

nlohmann::json histogram_json(const stats::Histogram& h);

} // namespace llmops::data
