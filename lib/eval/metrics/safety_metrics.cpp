// Safety checks as eval metrics: pii (passes when the answer, or the prompt, holds no personal
// data above the recognizers' thresholds; docs/metrics.md#pii). The engine is compiled once per
// metric from llmops.yaml's safety.pii section.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "eval/metric_definitions.hpp"
#include "safety/pii_engine.hpp"

namespace llmops::eval {

namespace {

class PiiMetric final : public DeterministicMetric {
  public:
    PiiMetric(MetricSpec spec, std::shared_ptr<const safety::PiiEngine> engine,
              std::vector<std::string> entities, double min_score, bool scan_input)
        : DeterministicMetric(std::move(spec)), engine_(std::move(engine)),
          entities_(std::move(entities)), min_score_(min_score), scan_input_(scan_input) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        std::vector<safety::Finding> findings;
        try {
            findings = engine_->scan(scan_input_ ? context.input : context.output);
        } catch (const Error& e) {
            return error_result(e.message());
        }
        std::map<std::string, int> counts;
        for (const auto& f : findings) {
            if (f.score < min_score_) continue;
            if (!entities_.empty() &&
                std::find(entities_.begin(), entities_.end(), f.type) == entities_.end())
                continue;
            ++counts[f.type];
        }
        if (counts.empty()) return boolean_result(true, {});
        // The reason names types and counts, never the values: results are stored and shared.
        std::string reason = std::string(scan_input_ ? "input" : "output") + " holds ";
        bool first = true;
        for (const auto& [type, n] : counts) {
            reason += (first ? "" : ", ") + std::to_string(n) + " " + type;
            first = false;
        }
        return boolean_result(false, reason);
    }

    std::shared_ptr<const safety::PiiEngine> engine_;
    std::vector<std::string> entities_;
    double min_score_;
    bool scan_input_;
};

} // namespace

std::vector<MetricDefinition> safety_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(
        {"pii",
         {"entities", "min_score", "scan"},
         true,
         [](MetricSpec spec, const MetricParameters& params,
            const MetricEnvironment& environment) -> std::unique_ptr<Metric> {
             std::vector<std::string> entities;
             if (params.has("entities")) {
                 const auto& list = params.raw("entities");
                 if (!list.is_array() ||
                     !std::all_of(list.begin(), list.end(), [](auto& v) { return v.is_string(); }))
                     params.fail_type("entities", "a list of entity types");
                 entities = list.get<std::vector<std::string>>();
             }
             const double min_score = params.number("min_score").value_or(0.0);
             if (min_score < 0 || min_score > 1) params.fail("min_score must be within [0, 1]");
             const bool scan_input =
                 params.choice({"scan"}, {"output", "input"}).value_or("output") == "input";
             safety::PiiSettings settings =
                 environment.pii_settings ? environment.pii_settings() : safety::PiiSettings{};
             auto engine = std::make_shared<const safety::PiiEngine>(std::move(settings));
             return std::make_unique<PiiMetric>(std::move(spec), std::move(engine),
                                                std::move(entities), min_score, scan_input);
         }});
    return out;
}

} // namespace llmops::eval
