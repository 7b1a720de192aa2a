// LLM judges as eval metrics. `judge` rates an answer 1-5 for one criterion (groundedness,
// relevance, coherence, fluency, similarity, after Prompt Flow's built-in metrics); `rubric`
// grades it pass/fail and 0-1 against the user's own criterion (promptfoo's llm-rubric).
// evaluate() renders the stored judge prompt into a JudgeRequest; the runner sends it and
// hands the answer to finish(), which reads the verdict (judge_answer.hpp).
#include <cmath>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "eval/judge_answer.hpp"
#include "eval/judge_prompts.hpp"
#include "eval/metric_definitions.hpp"

namespace llmops::eval {

namespace {

using nlohmann::json;

// A context value as the judge should read it: text as is, retrieved passages
// ([{"id", "text", ...}] or strings) as their texts separated by blank lines.
std::string context_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (!value.is_array()) return value.dump();
    std::string out;
    for (const auto& item : value) {
        if (!out.empty()) out += "\n\n";
        if (item.is_string())
            out += item.get<std::string>();
        else if (item.is_object() && item.contains("text") && item["text"].is_string())
            out += item["text"].get<std::string>();
        else
            out += item.dump();
    }
    return out;
}

// What every judge shares: where to send the request, how to render its prompt, and the
// question it sees.
struct JudgeSetup {
    std::string provider;
    std::string model;                         // empty: the provider's own
    std::optional<ParameterTemplate> question; // empty: the rendered prompt
    MetricEnvironment environment;

    static JudgeSetup read(const MetricParameters& params, const MetricEnvironment& environment) {
        JudgeSetup setup;
        setup.provider =
            params.plain_string("provider").value_or(environment.default_judge_provider);
        if (setup.provider.empty())
            params.fail("needs a judge provider: set 'provider:' (the eval has no default)");
        setup.model = params.plain_string("model").value_or("");
        setup.question = params.text_template({"question"});
        setup.environment = environment;
        return setup;
    }
};

class JudgeMetricBase : public Metric {
  public:
    std::optional<MetricResult> evaluate(const CaseContext& context,
                                         JudgeRequest& judge) const override {
        json variables = json::object();
        variables["answer"] = std::string(context.output);
        if (setup_.question) {
            auto rendered = setup_.question->render(context.fields);
            if (!rendered.error.empty()) return error_result(std::move(rendered.error));
            variables["question"] = std::move(rendered.text);
        } else {
            variables["question"] = std::string(context.input);
        }
        if (auto error = add_variables(context, variables); !error.empty())
            return error_result(std::move(error));

        if (!setup_.environment.render_judge_prompt)
            return error_result("judge prompts cannot be rendered here (no prompt store)");
        judge.provider = setup_.provider;
        judge.request = provider::ChatRequest{};
        judge.request.model = setup_.model;
        judge.request.parameters = json{{"temperature", 0}}; // a judge should be repeatable
        try {
            judge.request.messages =
                setup_.environment.render_judge_prompt(prompt_name_, variables);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::BadInput) throw; // a store failure ends the run
            return error_result("judge prompt " + prompt_name_ + ": " + e.message());
        }
        return std::nullopt;
    }

    MetricResult finish(const CaseContext&, const provider::ChatResult& answer) const override {
        if (!answer.ok())
            return error_result(fmt::format("judge call failed ({}): {}",
                                            provider::to_string(answer.error),
                                            answer.error_message));
        MetricResult result = read_verdict(parse_judge_answer(answer.text));
        result.detail = answer.text;
        return result;
    }

  protected:
    JudgeMetricBase(MetricSpec spec, std::string prompt_name, JudgeSetup setup)
        : Metric(std::move(spec)), prompt_name_(std::move(prompt_name)), setup_(std::move(setup)) {}

    // Adds the prompt's own variables; returns a case error, or "".
    virtual std::string add_variables(const CaseContext& context, json& variables) const = 0;
    virtual MetricResult read_verdict(const JudgeVerdict& verdict) const = 0;

  private:
    std::string prompt_name_;
    JudgeSetup setup_;
};

// `judge`: one criterion, scored 1-5.
class CriterionJudge final : public JudgeMetricBase {
  public:
    CriterionJudge(MetricSpec spec, std::string criterion, JudgeSetup setup,
                   std::optional<ParameterTemplate> context,
                   std::optional<ParameterTemplate> expected)
        : JudgeMetricBase(std::move(spec), judge_prompt_name(criterion), std::move(setup)),
          criterion_(std::move(criterion)), context_(std::move(context)),
          expected_(std::move(expected)) {}

  private:
    std::string add_variables(const CaseContext& context, json& variables) const override {
        if (criterion_ == "groundedness" || criterion_ == "relevance") {
            if (context_) {
                auto rendered = context_->render(context.fields);
                if (!rendered.error.empty()) return rendered.error;
                variables["context"] = std::move(rendered.text);
            } else if (context.fields.is_object() && context.fields.contains("context")) {
                variables["context"] = context_text(context.fields["context"]);
            } else if (context.vars.is_object() && context.vars.contains("context")) {
                variables["context"] = context_text(context.vars["context"]);
            } else if (criterion_ == "groundedness") {
                return "groundedness needs a context: the case has no 'context' field; set "
                       "'context:'";
            }
        }
        if (expected_) {
            auto rendered = expected_->render(context.fields);
            if (!rendered.error.empty()) return rendered.error;
            variables["expected"] = std::move(rendered.text);
        }
        return {};
    }

    MetricResult read_verdict(const JudgeVerdict& verdict) const override {
        bool in_range = verdict.score && *verdict.score >= 1 && *verdict.score <= 5 &&
                        (!verdict.scale || *verdict.scale == 5);
        if (!in_range) {
            MetricResult result = error_result("judge answer has no score 1-5");
            return result;
        }
        MetricResult result;
        result.score = *verdict.score;
        result.passed = pass_for(*verdict.score);
        result.reason = verdict.reason;
        return result;
    }

    std::string criterion_;
    std::optional<ParameterTemplate> context_;
    std::optional<ParameterTemplate> expected_;
};

// `rubric`: the user's criterion; pass/fail and a score 0-1.
class RubricJudge final : public JudgeMetricBase {
  public:
    RubricJudge(MetricSpec spec, JudgeSetup setup, ParameterTemplate rubric)
        : JudgeMetricBase(std::move(spec), std::string(kRubricJudgePrompt), std::move(setup)),
          rubric_(std::move(rubric)) {}

  private:
    std::string add_variables(const CaseContext& context, json& variables) const override {
        auto rendered = rubric_.render(context.fields);
        if (!rendered.error.empty()) return rendered.error;
        variables["rubric"] = std::move(rendered.text);
        return {};
    }

    // Passed when the judge says so and, with a threshold, the score reaches it. A verdict
    // with only one of the two fills the other: pass alone scores 1 or 0; a score alone passes
    // at the threshold (0.5 without one).
    MetricResult read_verdict(const JudgeVerdict& verdict) const override {
        std::optional<double> score = verdict.score;
        if (score && (*score < 0 || *score > 1 || (verdict.scale && *verdict.scale != 1)))
            return error_result("judge answer has no score 0-1");
        if (!score && !verdict.pass) return error_result("judge answer has no pass or score 0-1");
        if (!score) score = *verdict.pass ? 1.0 : 0.0;
        bool judge_pass = verdict.pass.value_or(*score >= spec().threshold.value_or(0.5));
        MetricResult result;
        result.score = *score;
        result.passed = judge_pass && pass_for(*score).value_or(true);
        result.reason = verdict.reason;
        return result;
    }

    ParameterTemplate rubric_;
};

void check_threshold(const MetricSpec& spec, const MetricParameters& params, double low,
                     double high) {
    if (spec.threshold && (*spec.threshold < low || *spec.threshold > high))
        params.fail(fmt::format("threshold must be between {} and {}, got {}", low, high,
                                format_score(*spec.threshold)));
}

MetricDefinition criterion_judge_definition() {
    MetricDefinition d{
        "judge",
        {"criterion", "value", "provider", "model", "question", "context", "expected"},
        false,
        {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment& environment) -> std::unique_ptr<Metric> {
        auto criterion = params.choice({"criterion", "value"}, judge_criteria());
        if (!criterion)
            params.fail(fmt::format("needs the parameter 'criterion' (one of {})",
                                    fmt::join(judge_criteria(), ", ")));
        check_threshold(spec, params, 1, 5);
        auto setup = JudgeSetup::read(params, environment);
        auto context = params.text_template({"context"});
        auto expected = params.text_template({"expected"});
        bool takes_context = *criterion == "groundedness" || *criterion == "relevance";
        if (context && !takes_context)
            params.fail("criterion '" + *criterion +
                        "' does not use 'context' (groundedness and relevance do)");
        if (expected && *criterion != "similarity")
            params.fail("criterion '" + *criterion + "' does not use 'expected' (similarity does)");
        if (!expected && *criterion == "similarity")
            params.fail("criterion 'similarity' needs the parameter 'expected' (the reference "
                        "answer)");
        return std::make_unique<CriterionJudge>(std::move(spec), *criterion, std::move(setup),
                                                std::move(context), std::move(expected));
    };
    return d;
}

MetricDefinition rubric_judge_definition() {
    MetricDefinition d{"rubric", {"rubric", "value", "provider", "model", "question"}, false, {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment& environment) -> std::unique_ptr<Metric> {
        auto rubric = params.required_text_template({"rubric", "value"});
        check_threshold(spec, params, 0, 1);
        auto setup = JudgeSetup::read(params, environment);
        return std::make_unique<RubricJudge>(std::move(spec), std::move(setup), std::move(rubric));
    };
    return d;
}

} // namespace

std::vector<MetricDefinition> judge_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(criterion_judge_definition());
    out.push_back(rubric_judge_definition());
    return out;
}

} // namespace llmops::eval
