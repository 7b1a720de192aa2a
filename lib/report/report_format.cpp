#include "report/report_format.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace llmops::report {

std::string format_metric_value(double value) {
    if (!std::isfinite(value)) return "-";
    if (value != 0 && std::fabs(value) < 0.01) return fmt::format("{:.3g}", value);
    return fmt::format("{:.3f}", value);
}

std::string format_rate(double rate) {
    if (!std::isfinite(rate)) return "-";
    return fmt::format("{:.1f}%", rate * 100.0);
}

std::string format_cost(double usd) {
    if (!std::isfinite(usd)) return "-";
    if (usd == 0) return "$0.00";
    // Decimals for 4 significant digits: 0.001234 needs 6, 12.34 needs 2. Capped so that a
    // rounding-error cost like 1e-300 does not print 300 zeros.
    const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(usd))));
    const int decimals = std::clamp(3 - magnitude, 2, 12);
    return fmt::format("{}${:.{}f}", usd < 0 ? "-" : "", std::fabs(usd), decimals);
}

std::string format_latency_ms(double ms) {
    if (!std::isfinite(ms)) return "-";
    if (std::fabs(ms) < 10) return fmt::format("{:.1f} ms", ms);
    return fmt::format("{:.0f} ms", ms);
}

namespace {

// "rouge_l mean"; the overall pass rate has no metric: "pass_rate".
std::string threshold_subject(const eval::ThresholdOutcome& threshold) {
    return threshold.metric.empty() ? threshold.statistic
                                    : threshold.metric + " " + threshold.statistic;
}

// The required value is printed shortest-round-trip: it is what the user typed.
std::string threshold_bound(const eval::ThresholdOutcome& threshold) {
    return fmt::format("{} {}", threshold.upper_bound ? "≤" : "≥", threshold.required);
}

} // namespace

std::string metric_title(const eval::MetricAggregate& metric) {
    if (!metric.corpus_bleu) return metric.metric;
    return metric.metric + " (corpus " + format_metric_value(*metric.corpus_bleu) + ")";
}

std::string format_threshold(const eval::ThresholdOutcome& threshold) {
    return threshold_subject(threshold) + " " + threshold_bound(threshold);
}

std::string format_threshold_result(const eval::ThresholdOutcome& threshold) {
    return fmt::format("{} is {}, required {}", threshold_subject(threshold),
                       format_metric_value(threshold.actual), threshold_bound(threshold));
}

std::string comparison_verdict(const eval::MetricComparison& comparison) {
    if (!comparison.significant) return "no significant difference";
    return comparison.regression ? "worse" : "better";
}

std::string format_difference(double diff) {
    if (!std::isfinite(diff)) return "-";
    return fmt::format("{}{}", diff >= 0 ? '+' : '-', format_metric_value(std::fabs(diff)));
}

std::string format_interval(const eval::MetricComparison& comparison) {
    if (comparison.pairs == 0) return "-";
    return fmt::format("[{}, {}]", format_difference(comparison.ci.lower),
                       format_difference(comparison.ci.upper));
}

std::string format_p_value(double p) {
    if (!std::isfinite(p)) return "-";
    return fmt::format("{:.4g}", p);
}

} // namespace llmops::report
