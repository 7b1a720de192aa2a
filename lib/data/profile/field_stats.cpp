#include "data/profile/field_stats.hpp"

#include "core/hash.hpp"
#include "core/text.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace llmops::data {

namespace {

// A top value's JSON: the value itself when complete, else its cut text (strings decoded).
TopValueCount top_value_json(const stats::TopValue& v) {
    TopValueCount out;
    out.count = v.count;
    out.truncated = v.truncated;
    if (!v.text.empty() && v.text.front() == '"') {
        out.value = decode_json_string(v.text);
        if (v.truncated) out.value = std::string(utf8_prefix(out.value.get<std::string>(), 120));
        return out;
    }
    if (!v.truncated) {
        out.value = nlohmann::json::parse(v.text, nullptr, false);
        if (!out.value.is_discarded()) return out;
    }
    out.value = std::string(utf8_prefix(v.text, 120));
    return out;
}

Percentiles percentiles_of(stats::ValueSample& s, double (*map)(double) = nullptr) {
    return {s.percentile(50, map), s.percentile(90, map), s.percentile(99, map)};
}

double mean_of(std::uint64_t total, std::uint64_t n) {
    return n == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(n);
}

// A canonical key as its text (keys are escaped like strings in canonical JSON).
std::string key_text(const std::string& key) {
    return decode_json_string(key);
}

} // namespace

FieldStats::FieldStats(std::string name, const FieldStatsLimits& limits, bool light)
    : key_(std::move(name)), limits_(limits), light_(light), distinct_(limits.exact_distinct),
      top_(light ? 2 : limits.top_capacity), num_sample_(limits.exact_values, limits.reservoir),
      chars_sample_(limits.exact_values, limits.reservoir) {}

void FieldStats::add(std::string_view value, bool row_utf8_valid) {
    ++present_;
    Type type = kNull;
    switch (value.empty() ? 'n' : value[0]) {
    case '"':
        type = kString;
        break;
    case '{':
        type = kObject;
        break;
    case '[':
        type = kArray;
        break;
    case 't':
    case 'f':
        type = kBoolean;
        break;
    case 'n':
        type = kNull;
        break;
    default:
        type = value.find_first_of(".eE") == std::string_view::npos ? kInteger : kNumber;
        break;
    }
    ++types_[type];
    if (light_ || type == kNull) return;
    const std::uint64_t hash = hash64(value);
    if (has_pending_) distinct_.add_hash(pending_hash_);
    distinct_.prefetch(hash);
    pending_hash_ = hash;
    has_pending_ = true;
    top_.add(hash, value);
    if (type == kString)
        add_string(value, row_utf8_valid);
    else if (type == kInteger || type == kNumber)
        add_number(value);
}

void FieldStats::flush_pending() {
    if (has_pending_) distinct_.add_hash(pending_hash_);
    has_pending_ = false;
}

void FieldStats::add_number(std::string_view value) {
    double v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    // Canonical numbers always parse; out-of-range ones (huge integers) come back inf.
    if (ec == std::errc::result_out_of_range) v = value[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    (void)end;
    ++num_count_;
    num_min_ = std::min(num_min_, v);
    num_max_ = std::max(num_max_, v);
    const double delta = v - num_mean_;
    num_mean_ += delta / static_cast<double>(num_count_);
    num_m2_ += delta * (v - num_mean_);
    num_sample_.add(v);
}

void FieldStats::add_string(std::string_view value, bool row_utf8_valid) {
    // Canonical strings escape only '"', '\\' and control characters: without a backslash the
    // bytes between the quotes are the text itself.
    std::string_view body = value.substr(1, value.size() - 2);
    std::string_view text = body;
    if (std::memchr(body.data(), '\\', body.size()) != nullptr)
        text = decode_json_string(value, scratch_);
    if (!row_utf8_valid && !is_valid_utf8(text)) ++invalid_utf8_;
    const TextMeasure m = measure_text(text);
    ++text_count_;
    if (m.chars == 0) ++text_empty_;
    chars_min_ = std::min(chars_min_, m.chars);
    chars_max_ = std::max(chars_max_, m.chars);
    chars_total_ += m.chars;
    words_min_ = std::min(words_min_, m.words);
    words_max_ = std::max(words_max_, m.words);
    words_total_ += m.words;
    tokens_total_ += approx_tokens_of_chars(m.chars);
    if (m.controls > 0) {
        ++control_values_;
        control_chars_ += m.controls;
    }
    chars_sample_.add(static_cast<double>(m.chars));
}

std::size_t FieldStats::exact_memory_bytes() const {
    std::size_t bytes = 0;
    if (distinct_.exact()) bytes += distinct_.memory_bytes();
    if (num_sample_.exact()) bytes += num_sample_.memory_bytes();
    if (chars_sample_.exact()) bytes += chars_sample_.memory_bytes();
    return bytes;
}

bool FieldStats::shrink() {
    flush_pending();
    const std::size_t d = distinct_.exact() ? distinct_.memory_bytes() : 0;
    const std::size_t n = num_sample_.exact() ? num_sample_.memory_bytes() : 0;
    const std::size_t c = chars_sample_.exact() ? chars_sample_.memory_bytes() : 0;
    if (d == 0 && n == 0 && c == 0) return false;
    if (d >= n && d >= c)
        distinct_.switch_to_estimate();
    else if (n >= c)
        num_sample_.switch_to_reservoir();
    else
        chars_sample_.switch_to_reservoir();
    return true;
}

FieldProfile FieldStats::finish(std::uint64_t rows) {
    static_assert(kArray == static_cast<int>(JsonType::Array), "Type follows JsonType");
    flush_pending();
    FieldProfile p;
    p.name = key_text(key_);
    p.profiled = !light_;
    p.present = present_;
    p.missing = rows - present_;
    p.nulls = types_[kNull];
    p.missing_rate = rows ? static_cast<double>(p.missing) / static_cast<double>(rows) : 0.0;
    p.null_rate = rows ? static_cast<double>(p.nulls) / static_cast<double>(rows) : 0.0;
    int non_null_types = 0;
    for (int t = 0; t < kTypeCount; ++t) {
        if (types_[t] == 0) continue;
        p.types[json_type_name(static_cast<JsonType>(t))] = types_[t];
        if (t != kNull) {
            ++non_null_types;
            p.inferred_type = json_type_name(static_cast<JsonType>(t));
        }
    }
    // Integers mixed with other numbers are numbers; any other mix is "mixed".
    if (non_null_types == 2 && types_[kInteger] > 0 && types_[kNumber] > 0)
        p.inferred_type = "number";
    else if (non_null_types > 1)
        p.inferred_type = "mixed";
    else if (non_null_types == 0)
        p.inferred_type = "null";
    if (light_) return p;

    p.distinct = distinct_.count();
    p.distinct_exact = distinct_.exact();
    for (const auto& v : top_.top(limits_.top_k))
        p.top_values.push_back(top_value_json(v));
    p.top_values_exact = top_.exact();
    p.top_values_error_bound = top_.error_bound();

    if (num_count_ > 0) {
        NumericProfile n;
        n.count = num_count_;
        n.min = num_min_;
        n.max = num_max_;
        n.mean = num_mean_;
        n.stddev = num_count_ > 1 ? std::sqrt(num_m2_ / static_cast<double>(num_count_ - 1)) : 0.0;
        n.percentiles = percentiles_of(num_sample_);
        n.exact_percentiles = num_sample_.exact();
        n.histogram = num_sample_.histogram(num_min_, num_max_, limits_.histogram_bins);
        p.numeric = n;
    }
    if (text_count_ > 0) {
        TextProfile t;
        t.count = text_count_;
        t.empty = text_empty_;
        const Percentiles chars_p = percentiles_of(chars_sample_);
        t.chars = {chars_min_, chars_max_, chars_total_, mean_of(chars_total_, text_count_),
                   chars_p};
        t.words = {words_min_, words_max_, words_total_, mean_of(words_total_, text_count_),
                   std::nullopt};
        // The token estimate is monotone in chars: token percentiles come from the same sample.
        auto tokens_of = [](double chars) {
            return static_cast<double>(approx_tokens_of_chars(static_cast<std::uint64_t>(chars)));
        };
        t.tokens = {approx_tokens_of_chars(chars_min_), approx_tokens_of_chars(chars_max_),
                    tokens_total_, mean_of(tokens_total_, text_count_),
                    percentiles_of(chars_sample_, tokens_of)};
        t.exact_percentiles = chars_sample_.exact();
        t.histogram =
            chars_sample_.histogram(static_cast<double>(chars_min_),
                                    static_cast<double>(chars_max_), limits_.histogram_bins);
        t.control_char_values = control_values_;
        t.control_chars = control_chars_;
        t.invalid_utf8_values = invalid_utf8_;
        p.text = t;
    }
    return p;
}

} // namespace llmops::data
