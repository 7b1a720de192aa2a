// The Metric base, the base of the metrics scored at once, and the result helpers they share.
#include "eval/metric.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/text.hpp"
#include "eval/metric_definitions.hpp"

namespace llmops::eval {

using nlohmann::json;

MetricResult Metric::finish(const CaseContext&, const provider::ChatResult&) const {
    // Only judges ask for a chat request; reaching this is a runner bug, reported per case.
    return error_result("metric '" + label() + "' does not take a judge answer");
}

std::optional<bool> Metric::pass_for(double score) const {
    if (!spec_.threshold) return std::nullopt;
    return lower_is_better() ? score <= *spec_.threshold : score >= *spec_.threshold;
}

std::optional<MetricResult> DeterministicMetric::evaluate(const CaseContext& context,
                                                          JudgeRequest&) const {
    return score_case(context);
}

MetricResult DeterministicMetric::scored(double score, std::string_view explanation) const {
    MetricResult result;
    result.score = score;
    result.passed = pass_for(score);
    if (result.passed == false) {
        result.reason = fmt::format("{} is {} {}", format_score(score),
                                    lower_is_better() ? "above the maximum" : "below the threshold",
                                    format_score(*spec().threshold));
        if (!explanation.empty()) result.reason += ": " + std::string(explanation);
    }
    return result;
}

std::string quote_for_reason(std::string_view text, std::size_t limit) {
    const bool cut = text.size() > limit;
    text = utf8_prefix(text, limit);
    std::string quoted =
        json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    if (cut) quoted += "…";
    return quoted;
}

std::string format_score(double value) {
    if (!std::isfinite(value)) return fmt::format("{}", value);
    std::string text = fmt::format("{:.4f}", value);
    while (text.back() == '0')
        text.pop_back();
    if (text.back() == '.') text.pop_back();
    if (text == "-0") text = "0";
    return text;
}

MetricResult boolean_result(bool passed, std::string reason_when_failed) {
    MetricResult result;
    result.score = passed ? 1.0 : 0.0;
    result.passed = passed;
    if (!passed) result.reason = std::move(reason_when_failed);
    return result;
}

MetricResult error_result(std::string error) {
    MetricResult result;
    result.error = std::move(error);
    return result;
}

} // namespace llmops::eval
