#include "data/profile/field_profile.hpp"

#include <cmath>

namespace llmops::data {

using nlohmann::json;

namespace {

// Non-finite numbers cannot occur in stored rows, but keep the JSON valid regardless.
json number(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}

json percentiles_json(const Percentiles& p) {
    return {{"p50", number(p.p50)}, {"p90", number(p.p90)}, {"p99", number(p.p99)}};
}

json length_json(const LengthProfile& l) {
    json out = {{"min", l.min}, {"max", l.max}, {"mean", number(l.mean)}, {"total", l.total}};
    if (l.percentiles) out.update(percentiles_json(*l.percentiles));
    return out;
}

} // namespace

json histogram_json(const stats::Histogram& h) {
    json edges = json::array();
    for (double e : h.edges)
        edges.push_back(number(e));
    return {{"edges", edges}, {"counts", h.counts}, {"estimated", h.estimated}};
}

json FieldProfile::to_json() const {
    json out = {{"name", name},
                {"profiled", profiled},
                {"present", present},
                {"missing", missing},
                {"missing_rate", number(missing_rate)},
                {"nulls", nulls},
                {"null_rate", number(null_rate)},
                {"types", types},
                {"inferred_type", inferred_type}};
    if (!profiled) return out;
    out["distinct"] = {{"count", distinct}, {"exact", distinct_exact}};
    json values = json::array();
    for (const auto& v : top_values)
        values.push_back({{"value", v.value}, {"count", v.count}, {"truncated", v.truncated}});
    out["top_values"] = {
        {"exact", top_values_exact}, {"error_bound", top_values_error_bound}, {"values", values}};
    if (numeric) {
        const auto& n = *numeric;
        json j = {{"count", n.count},           {"min", number(n.min)},
                  {"max", number(n.max)},       {"mean", number(n.mean)},
                  {"stddev", number(n.stddev)}, {"exact_percentiles", n.exact_percentiles}};
        j.update(percentiles_json(n.percentiles));
        j["histogram"] = histogram_json(n.histogram);
        out["numeric"] = j;
    }
    if (text) {
        const auto& t = *text;
        out["text"] = {{"count", t.count},
                       {"empty", t.empty},
                       {"chars", length_json(t.chars)},
                       {"words", length_json(t.words)},
                       {"tokens", length_json(t.tokens)},
                       {"exact_percentiles", t.exact_percentiles},
                       {"histogram", histogram_json(t.histogram)},
                       {"control_char_values", t.control_char_values},
                       {"control_chars", t.control_chars},
                       {"invalid_utf8_values", t.invalid_utf8_values}};
    }
    return out;
}

} // namespace llmops::data
