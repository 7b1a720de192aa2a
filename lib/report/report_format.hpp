#pragma once
// How numbers and thresholds read in every eval report (terminal table, Markdown, HTML, JUnit
// messages), so that one run shows the same figures everywhere.
#include <string>

#include "eval/eval_result.hpp"

namespace llmops::report {

// A metric value or statistic: 3 decimals ("0.857"); non-zero values under 0.01 keep 3
// significant digits instead ("0.00123") so small costs and rates do not read as 0.000.
// NaN and infinities read "-".
std::string format_metric_value(double value);

// A rate in [0, 1] as a percentage with one decimal: "85.0%".
std::string format_rate(double rate);

// US dollars with at least 4 significant digits and at least 2 decimals: "$0.001235",
// "$12.35", "$1234.50", "$0.00".
std::string format_cost(double usd);

// Milliseconds: "850 ms"; under 10 ms one decimal ("4.3 ms").
std::string format_latency_ms(double ms);

// A metric's row title: its label, and a whole-run figure when it has one:
// "bleu (corpus 0.412)".
std::string metric_title(const eval::MetricAggregate& metric);

// A threshold's requirement as the spec wrote it: "rouge_l mean ≥ 0.6", "pass_rate ≥ 0.9",
// "latency p95 ≤ 2000" (≤ for lower-is-better metrics).
std::string format_threshold(const eval::ThresholdOutcome& threshold);

// The requirement with the value found, for failure messages: "rouge_l mean is 0.540,
// required ≥ 0.6".
std::string format_threshold_result(const eval::ThresholdOutcome& threshold);

// A paired comparison's outcome for B against A: "better" or "worse" when significant (by the
// metric's direction), else "no significant difference".
std::string comparison_verdict(const eval::MetricComparison& comparison);

// A signed difference ("+0.150", "-0.020") and a confidence interval ("[+0.050, +0.250]").
std::string format_difference(double diff);
std::string format_interval(const eval::MetricComparison& comparison);

// A p-value: 4 significant digits ("0.01234", "3.2e-07").
std::string format_p_value(double p);

} // namespace llmops::report
