#pragma once
// The interface every eval metric implements, and the registry that builds one from its spec
// entry. Deterministic metrics score a case at once; LLM judges first ask for a chat request,
// which the runner sends (batched, cached, with retries) and hands back to finish().
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/eval_spec.hpp"
#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"
#include "safety/pii_settings.hpp"

namespace llmops::eval {

// What a metric sees of one case in one cell.
struct CaseContext {
    const nlohmann::json& fields;       // the case's row (or inline vars): what templates read
    const nlohmann::json& vars;         // the prompt variables, retrieved passages included
    std::string_view input;             // the rendered prompt as plain text (prompt_text)
    std::string_view output;            // the model's answer ("" when the call failed)
    const provider::ChatResult& result; // latency, tokens, cost of the answer
};

struct MetricResult {
    std::optional<double> score; // numeric value (booleans: 1 or 0); empty on error
    std::optional<bool> passed;  // empty = the metric does not pass or fail (no threshold)
    std::string reason;          // why it failed, or the judge's reason
    std::string error;           // non-empty = the metric could not be computed (case error)
    nlohmann::json detail;       // e.g. the judge's raw answer; null when none
};

// A judge's request: sent to `provider` (an id resolved like the spec's providers).
struct JudgeRequest {
    std::string provider;
    provider::ChatRequest request;
};

class Metric {
  public:
    virtual ~Metric() = default;

    const MetricSpec& spec() const { return spec_; }
    const std::string& label() const { return spec_.label; }
    // Latency, cost and token counts: a threshold is an upper bound.
    virtual bool lower_is_better() const { return false; }

    // Deterministic metrics return the result. Judges return nullopt and fill `judge`.
    virtual std::optional<MetricResult> evaluate(const CaseContext& context,
                                                 JudgeRequest& judge) const = 0;
    // Judges only: scores the judge's answer (an unparseable answer is a MetricResult with
    // `error`, never an exception).
    virtual MetricResult finish(const CaseContext& context,
                                const provider::ChatResult& judge_answer) const;

  protected:
    explicit Metric(MetricSpec spec) : spec_(std::move(spec)) {}
    // passed from the threshold, honouring lower_is_better(); nullopt without a threshold.
    std::optional<bool> pass_for(double score) const;

  private:
    MetricSpec spec_;
};

// Judges' prompts are stored, versioned prompts: the registry asks for them by name
// (e.g. "llmops-judge-groundedness") and gets the rendered messages back.
struct MetricEnvironment {
    // Renders the named built-in judge prompt with `variables`, storing its spec in the
    // project on first use. Supplied by the runner (it owns the store).
    std::function<std::vector<provider::ChatMessage>(const std::string& prompt_name,
                                                     const nlohmann::json& variables)>
        render_judge_prompt;
    std::string default_judge_provider; // the spec's first provider
    // The project's safety.pii settings (llmops.yaml), read when a pii metric is built; unset:
    // the defaults.
    std::function<safety::PiiSettings()> pii_settings;
};

// Builds a metric from its spec entry. Throws Error(BadInput) at the entry's location for an
// unknown name (listing the valid ones), a missing or mistyped parameter, an invalid regex
// (RE2's message) or schema.
std::unique_ptr<Metric> make_metric(const MetricSpec& spec, const MetricEnvironment& environment);

// Every metric name make_metric accepts, sorted.
const std::vector<std::string>& metric_names();

// Renders a parameter template ("{{answer}}") against the case's fields; non-strings are
// returned as they are. A missing field is an error naming it (a case error, not a crash).
nlohmann::json render_parameter(const nlohmann::json& value, const nlohmann::json& fields);

} // namespace llmops::eval
