#pragma once
// What the registry (metric_registry.cpp) knows of each metric name, and the building blocks
// the metric families (lib/eval/metrics/*_metrics.cpp, one file per family) share: a base
// class for metrics scored at once, and result and reason helpers.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/eval_spec.hpp"
#include "eval/metric.hpp"
#include "eval/metric_parameters.hpp"

namespace llmops::eval {

// A family's constructor for one name. `spec` is the registry's copy: the factory may move it
// into the metric.
using MetricFactory = std::function<std::unique_ptr<Metric>(
    MetricSpec spec, const MetricParameters& params, const MetricEnvironment& environment)>;

struct MetricDefinition {
    std::string name;
    std::vector<std::string> parameters; // the keys it accepts
    bool boolean = false;                // a pass/fail assertion: a threshold is an error
    MetricFactory make;
};

// The families, one per file in lib/eval/metrics/.
std::vector<MetricDefinition> string_metric_definitions();
std::vector<MetricDefinition> overlap_metric_definitions();
std::vector<MetricDefinition> structure_metric_definitions();
std::vector<MetricDefinition> performance_metric_definitions();
std::vector<MetricDefinition> retrieval_metric_definitions();
std::vector<MetricDefinition> judge_metric_definitions();
std::vector<MetricDefinition> safety_metric_definitions();
std::vector<MetricDefinition> injection_metric_definitions();

// A metric that scores a case at once (everything but the judges).
class DeterministicMetric : public Metric {
  public:
    std::optional<MetricResult> evaluate(const CaseContext& context,
                                         JudgeRequest& judge) const final;

  protected:
    using Metric::Metric;
    virtual MetricResult score_case(const CaseContext& context) const = 0;
    // A score metric's result: passed from the threshold; when it fails, the reason says by
    // how much, followed by `explanation` (e.g. what was expected).
    MetricResult scored(double score, std::string_view explanation = {}) const;
};

// `text` as a JSON string literal, cut to about `limit` bytes (on a UTF-8 boundary) with "…"
// marking the cut: for reasons such as `expected "Paris", got "paris."`.
std::string quote_for_reason(std::string_view text, std::size_t limit = 200);
// A number for reasons: at most 4 decimals, no trailing zeros ("0.4286", "1", "2150.5").
std::string format_score(double value);

// Score 1 or 0, passed = the value, and the reason only when it failed.
MetricResult boolean_result(bool passed, std::string reason_when_failed);
MetricResult error_result(std::string error);

} // namespace llmops::eval
