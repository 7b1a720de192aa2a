// What an answer cost as eval metrics: latency (ms), cost (USD) and token_count (completion
// tokens). Lower is better, so a threshold is a maximum; without one they only measure.
#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/text.hpp"
#include "eval/metric_definitions.hpp"

namespace llmops::eval {

namespace {

struct Measurement {
    double value = 0;
    std::string note; // how it was measured, for the failure reason
};

using Measure = std::function<Measurement(const CaseContext& context)>;

class PerformanceMetric final : public DeterministicMetric {
  public:
    PerformanceMetric(MetricSpec spec, Measure measure)
        : DeterministicMetric(std::move(spec)), measure_(std::move(measure)) {}

    bool lower_is_better() const override { return true; }

  private:
    MetricResult score_case(const CaseContext& context) const override {
        Measurement m = measure_(context);
        return scored(m.value, m.note);
    }

    Measure measure_;
};

// `- latency: 2000` reads naturally as "at most 2000 ms": `value` (or `max`) is the threshold.
MetricDefinition performance_metric(std::string name, Measure measure) {
    MetricDefinition d{std::move(name), {"value", "max"}, false, {}};
    d.make = [measure](MetricSpec spec, const MetricParameters& params,
                       const MetricEnvironment&) -> std::unique_ptr<Metric> {
        if (auto key = params.present_key({"value", "max"})) {
            if (spec.threshold)
                params.fail("give the maximum as '" + *key + "' or 'threshold', not both");
            spec.threshold = params.number(*key);
        }
        if (spec.threshold && (*spec.threshold < 0 || !std::isfinite(*spec.threshold)))
            params.fail("the maximum must be a number >= 0");
        return std::make_unique<PerformanceMetric>(std::move(spec), measure);
    };
    return d;
}

} // namespace

std::vector<MetricDefinition> performance_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(performance_metric("latency", [](const CaseContext& context) {
        // A cached answer keeps the latency of the call that produced it: the model's, not
        // the cache's, so a cached rerun compares equal to the run that filled the cache.
        return Measurement{context.result.latency_ms,
                           context.result.cached
                               ? "milliseconds, when first answered (now served from the cache)"
                               : "milliseconds"};
    }));
    out.push_back(performance_metric("cost", [](const CaseContext& context) {
        return Measurement{context.result.cost_usd, "US dollars"};
    }));
    out.push_back(performance_metric("token_count", [](const CaseContext& context) {
        // The provider's count when it reported one; else the four-characters-a-token estimate.
        if (context.result.completion_tokens > 0)
            return Measurement{static_cast<double>(context.result.completion_tokens),
                               "completion tokens reported by the provider"};
        return Measurement{static_cast<double>(approx_tokens(context.output)),
                           "tokens estimated from the output's length"};
    }));
    return out;
}

} // namespace llmops::eval
