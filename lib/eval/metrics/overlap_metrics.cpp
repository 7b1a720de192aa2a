// Overlap with reference text as eval metrics: f1 (SQuAD token F1), rouge1, rouge2, rouge_l
// (F-measures) and bleu (sentence BLEU, several references allowed; each case keeps its n-gram
// statistics so that a run also gets corpus BLEU). Scores in [0, 1]; the formulas are
// overlap.hpp's.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "eval/metric_definitions.hpp"
#include "eval/metrics/bleu_detail.hpp"
#include "eval/metrics/overlap.hpp"

namespace llmops::eval {

namespace {

struct OverlapValue {
    double score = 0;
    nlohmann::json detail; // kept with the case's score; null when there is nothing to keep
};
using OverlapScore = std::function<OverlapValue(std::string_view output,
                                                const std::vector<std::string>& references)>;

class OverlapMetric final : public DeterministicMetric {
  public:
    OverlapMetric(MetricSpec spec, std::vector<ParameterTemplate> references, OverlapScore score)
        : DeterministicMetric(std::move(spec)), references_(std::move(references)),
          score_(std::move(score)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        auto rendered = render_all(references_, context.fields);
        if (!rendered.error.empty()) return error_result(std::move(rendered.error));
        std::string expected;
        if (rendered.texts.size() == 1) {
            expected = "expected " + quote_for_reason(rendered.texts.front());
        } else {
            std::vector<std::string> quoted;
            for (const auto& t : rendered.texts)
                quoted.push_back(quote_for_reason(t, 80));
            expected = fmt::format("references {}", fmt::join(quoted, ", "));
        }
        OverlapValue value = score_(context.output, rendered.texts);
        MetricResult result =
            scored(value.score, expected + ", got " + quote_for_reason(context.output));
        result.detail = std::move(value.detail);
        return result;
    }

    std::vector<ParameterTemplate> references_;
    OverlapScore score_;
};

// A metric against one reference text under `expected` (or `value`).
MetricDefinition single_reference(std::string name,
                                  std::function<double(std::string_view, std::string_view)> f) {
    MetricDefinition d{std::move(name), {"expected", "value"}, false, {}};
    d.make = [f](MetricSpec spec, const MetricParameters& params,
                 const MetricEnvironment&) -> std::unique_ptr<Metric> {
        std::vector<ParameterTemplate> references;
        references.push_back(params.required_text_template({"expected", "value"}));
        OverlapScore score = [f](std::string_view output, const std::vector<std::string>& refs) {
            return OverlapValue{f(output, refs.front()), {}};
        };
        return std::make_unique<OverlapMetric>(std::move(spec), std::move(references), score);
    };
    return d;
}

MetricDefinition bleu_definition() {
    MetricDefinition d{"bleu", {"expected", "value", "lowercase"}, false, {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto references = params.text_template_list({"expected", "value"}, true);
        if (!references) params.fail("needs the parameter 'expected' (a string or an array)");
        if (references->empty()) params.fail("parameter 'expected' needs at least one reference");
        bool lowercase = params.boolean("lowercase").value_or(false);
        OverlapScore score = [lowercase](std::string_view output,
                                         const std::vector<std::string>& refs) {
            BleuStats stats = bleu_segment_stats(output, refs, lowercase);
            return OverlapValue{bleu_from_stats(stats, /*effective_order=*/true).score,
                                bleu_stats_to_json(stats)};
        };
        return std::make_unique<OverlapMetric>(std::move(spec), std::move(*references), score);
    };
    return d;
}

} // namespace

std::vector<MetricDefinition> overlap_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(single_reference("f1", [](std::string_view output, std::string_view expected) {
        return token_f1(output, expected);
    }));
    out.push_back(single_reference("rouge1", [](std::string_view output, std::string_view ref) {
        return rouge1_f(output, ref);
    }));
    out.push_back(single_reference("rouge2", [](std::string_view output, std::string_view ref) {
        return rouge2_f(output, ref);
    }));
    out.push_back(single_reference("rouge_l", [](std::string_view output, std::string_view ref) {
        return rouge_l_f(output, ref);
    }));
    out.push_back(bleu_definition());
    return out;
}

} // namespace llmops::eval
