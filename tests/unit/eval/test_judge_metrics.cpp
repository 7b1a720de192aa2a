// Unit tests for the LLM judges: lib/eval/judge_prompts.cpp (built-in prompt specs),
// lib/eval/judge_answer.cpp (reading verdicts) and lib/eval/metrics/judge_metrics.cpp (the
// `judge` and `rubric` metrics: the JudgeRequest they build and how they score the answer).
#include "core/error.hpp"
#include "eval/judge_answer.hpp"
#include "eval/judge_prompts.hpp"
#include "eval/metric.hpp"
#include "prompt/prompt_render.hpp"
#include "prompt/prompt_spec.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace llmops;
using namespace llmops::eval;
using nlohmann::json;

namespace {

struct JudgeCase {
    json fields = json::object();
    json vars = json::object();
    std::string input = "Where is the Eiffel Tower?";
    std::string output = "It is in Paris.";
    provider::ChatResult result;

    CaseContext context() const { return CaseContext{fields, vars, input, output, result}; }
};

MetricSpec judge_spec(std::string name, json params,
                      std::optional<double> threshold = std::nullopt) {
    MetricSpec spec;
    spec.name = name;
    spec.label = name;
    spec.params = std::move(params);
    spec.threshold = threshold;
    spec.where = ErrorLocation::in_file("evals/qa.yaml", 20, 5);
    return spec;
}

// Records what a metric asked to render, and renders the real built-in prompt.
struct FakeJudgePrompts {
    std::string last_name;
    json last_variables;

    MetricEnvironment environment(std::string default_provider = "judge-llm") {
        MetricEnvironment env;
        env.default_judge_provider = std::move(default_provider);
        env.render_judge_prompt = [this](const std::string& name, const json& variables) {
            last_name = name;
            last_variables = variables;
            auto prompt =
                prompt::parse_prompt_spec(builtin_judge_prompt_yaml(name), name + ".yaml", {})
                    .prompt;
            prompt::PromptRenderer renderer(prompt);
            std::vector<provider::ChatMessage> messages;
            for (auto& m : renderer.render(variables).messages)
                messages.push_back({m.role, m.content, m.name});
            return messages;
        };
        return env;
    }
};

provider::ChatResult answer_of(std::string text) {
    provider::ChatResult r;
    r.text = std::move(text);
    return r;
}

std::string judge_spec_error(const MetricSpec& spec, const MetricEnvironment& environment) {
    try {
        make_metric(spec, environment);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(e.where().line == 20);
        return e.message();
    }
    FAIL("make_metric did not throw");
    return {};
}

} // namespace

TEST_CASE("built-in judge prompts are valid prompt specs that render", "[judge]") {
    const std::vector<std::string> names = {"llmops-judge-coherence",    "llmops-judge-fluency",
                                            "llmops-judge-groundedness", "llmops-judge-relevance",
                                            "llmops-judge-rubric",       "llmops-judge-similarity"};
    CHECK(builtin_judge_prompt_names() == names);
    json sample = {{"question", "Where is the Eiffel Tower?"},
                   {"answer", "It is in Paris."},
                   {"context", "The Eiffel Tower stands in Paris."},
                   {"expected", "Paris"},
                   {"rubric", "Names a city"}};
    for (const auto& name : names) {
        INFO(name);
        // parse_prompt_spec checks the schema (schemas/prompt.schema.json) and compiles.
        auto loaded = prompt::parse_prompt_spec(builtin_judge_prompt_yaml(name), name, {});
        CHECK(loaded.prompt->spec.name == name);
        CHECK(loaded.warnings.empty()); // every declared variable is used, and vice versa
        CHECK(loaded.prompt->model["temperature"] == 0);
        json variables = json::object();
        for (const auto& [var, decl] : loaded.prompt->variables)
            variables[var] = sample[var];
        prompt::PromptRenderer renderer(loaded.prompt);
        auto rendered = renderer.render(variables);
        REQUIRE(rendered.messages.size() == 2);
        CHECK(rendered.messages[0].role == "system");
        CHECK(rendered.messages[1].role == "user");
        const std::string& system = rendered.messages[0].content;
        const std::string& user = rendered.messages[1].content;
        CHECK(system.find("JSON object") != std::string::npos);
        CHECK(system.find("{{") == std::string::npos);
        CHECK(user.find("It is in Paris.") != std::string::npos);
        CHECK(user.find("Where is the Eiffel Tower?") != std::string::npos);
        CHECK(user.find("{{") == std::string::npos);
        if (name == "llmops-judge-rubric") {
            CHECK(system.find("\"pass\"") != std::string::npos);
            CHECK(user.find("<rubric>\nNames a city\n</rubric>") != std::string::npos);
        } else {
            CHECK(system.find("an integer from 1 to 5") != std::string::npos);
            CHECK(system.find("\n1 - ") != std::string::npos);
        }
    }
    CHECK_THROWS_AS(builtin_judge_prompt_yaml("llmops-judge-nope"), Error);
}

TEST_CASE("judge prompts: the exact user message, and optional parts", "[judge]") {
    auto prompt =
        prompt::parse_prompt_spec(builtin_judge_prompt_yaml("llmops-judge-groundedness"), "g", {})
            .prompt;
    prompt::PromptRenderer renderer(prompt);
    auto rendered = renderer.render({{"question", "Q?"}, {"context", "C."}, {"answer", "A."}});
    CHECK(rendered.messages[1].content ==
          "<question>\nQ?\n</question>\n<context>\nC.\n</context>\n<answer>\nA.\n</answer>");
    // Without a question, its section disappears; groundedness requires a context.
    rendered = renderer.render({{"context", "C."}, {"answer", "A."}});
    CHECK(rendered.messages[1].content == "<context>\nC.\n</context>\n<answer>\nA.\n</answer>");
    CHECK_THROWS_AS(renderer.render({{"answer", "A."}}), Error);

    auto relevance =
        prompt::parse_prompt_spec(builtin_judge_prompt_yaml("llmops-judge-relevance"), "r", {})
            .prompt;
    prompt::PromptRenderer relevance_renderer(relevance);
    rendered = relevance_renderer.render({{"question", "Q?"}, {"answer", "A."}});
    CHECK(rendered.messages[1].content == "<question>\nQ?\n</question>\n<answer>\nA.\n</answer>");
}

TEST_CASE("judge answers are read from JSON, fences, prose or score patterns", "[judge]") {
    auto v = parse_judge_answer(R"({"score": 4, "reason": "Mostly supported."})");
    CHECK(v.score == 4.0);
    CHECK(v.reason == "Mostly supported.");
    CHECK_FALSE(v.pass.has_value());

    v = parse_judge_answer(
        "```json\n{\n  \"score\": 5,\n  \"reason\": \"All in {the} context.\"\n}\n```");
    CHECK(v.score == 5.0);
    CHECK(v.reason == "All in {the} context.");

    v = parse_judge_answer("Let me think. The answer {mostly} matches.\nFinal: {\"Score\": \"3\", "
                           "\"Reasoning\": \"ok\"} done");
    CHECK(v.score == 3.0);
    CHECK(v.reason == "ok");

    v = parse_judge_answer("The answer is fluent.\nScore: 4/5");
    CHECK(v.score == 4.0);
    CHECK(v.scale == 5.0);
    CHECK(v.reason == "The answer is fluent.\nScore: 4/5");

    v = parse_judge_answer("**Score:** 2 - it drifts.");
    CHECK(v.score == 2.0);
    v = parse_judge_answer("I give it a score of 3 out of 5.");
    CHECK(v.score == 3.0);
    CHECK(v.scale == 5.0);

    v = parse_judge_answer(R"({"pass": "yes", "score": 0.8, "reason": "polite"})");
    CHECK(v.pass == true);
    CHECK(v.score == 0.8);

    v = parse_judge_answer("I cannot rate this.");
    CHECK_FALSE(v.score.has_value());
    CHECK_FALSE(v.pass.has_value());
    v = parse_judge_answer("{\"score\": }");
    CHECK_FALSE(v.score.has_value());

    CHECK(first_json_object("a {b} {\"x\": {\"y\": \"}\"}} c") == json{{"x", {{"y", "}"}}}});
    CHECK_FALSE(first_json_object("[1, 2]").has_value());
}

TEST_CASE("judge fills a JudgeRequest from the rendered judge prompt", "[judge]") {
    FakeJudgePrompts prompts;
    JudgeCase c;
    c.fields = {{"context", "The Eiffel Tower stands in Paris."}, {"q", "Where?"}};
    auto metric =
        make_metric(judge_spec("judge", {{"criterion", "groundedness"}}, 4), prompts.environment());
    JudgeRequest judge;
    auto early = metric->evaluate(c.context(), judge);
    CHECK_FALSE(early.has_value()); // the runner sends the request
    CHECK(prompts.last_name == "llmops-judge-groundedness");
    CHECK(prompts.last_variables == json{{"answer", "It is in Paris."},
                                         {"question", "Where is the Eiffel Tower?"},
                                         {"context", "The Eiffel Tower stands in Paris."}});
    CHECK(judge.provider == "judge-llm");
    CHECK(judge.request.model.empty());
    CHECK(judge.request.parameters == json{{"temperature", 0}});
    REQUIRE(judge.request.messages.size() == 2);
    CHECK(judge.request.messages[0].role == "system");
    CHECK(judge.request.messages[0].content.rfind(
              "You are an evaluator. You rate one answer for groundedness", 0) == 0);
    CHECK(judge.request.messages[1].content ==
          "<question>\nWhere is the Eiffel Tower?\n</question>\n<context>\nThe Eiffel Tower "
          "stands in Paris.\n</context>\n<answer>\nIt is in Paris.\n</answer>");

    // Provider, model, question and context from parameters (templates over the fields).
    auto custom = make_metric(judge_spec("judge", {{"criterion", "relevance"},
                                                   {"provider", "gpt-judge"},
                                                   {"model", "gpt-4o"},
                                                   {"question", "{{q}}"},
                                                   {"context", "Known: {{context}}"}}),
                              prompts.environment());
    JudgeRequest second;
    CHECK_FALSE(custom->evaluate(c.context(), second).has_value());
    CHECK(second.provider == "gpt-judge");
    CHECK(second.request.model == "gpt-4o");
    CHECK(prompts.last_variables["question"] == "Where?");
    CHECK(prompts.last_variables["context"] == "Known: The Eiffel Tower stands in Paris.");

    // similarity: the reference answer.
    c.fields["answer"] = "Paris";
    auto similarity =
        make_metric(judge_spec("judge", {{"value", "similarity"}, {"expected", "{{answer}}"}}),
                    prompts.environment());
    JudgeRequest third;
    CHECK_FALSE(similarity->evaluate(c.context(), third).has_value());
    CHECK(prompts.last_name == "llmops-judge-similarity");
    CHECK(prompts.last_variables["expected"] == "Paris");
    CHECK(third.request.messages[1].content.find(
              "<reference_answer>\nParis\n</reference_answer>") != std::string::npos);

    // Fluency sends no context even when the row has one.
    auto fluency =
        make_metric(judge_spec("judge", {{"criterion", "fluency"}}), prompts.environment());
    JudgeRequest fourth;
    CHECK_FALSE(fluency->evaluate(c.context(), fourth).has_value());
    CHECK_FALSE(prompts.last_variables.contains("context"));
}

TEST_CASE("judge context: retrieved passages, and case errors", "[judge]") {
    FakeJudgePrompts prompts;
    JudgeCase c;
    c.vars = {{"context", {{{"id", "a"}, {"text", "First."}}, {{"id", "b"}, {"text", "Second."}}}}};
    auto metric =
        make_metric(judge_spec("judge", {{"criterion", "groundedness"}}), prompts.environment());
    JudgeRequest judge;
    CHECK_FALSE(metric->evaluate(c.context(), judge).has_value());
    CHECK(prompts.last_variables["context"] == "First.\n\nSecond.");

    // No context anywhere: a case error, no request.
    c.vars = json::object();
    auto result = metric->evaluate(c.context(), judge);
    REQUIRE(result.has_value());
    CHECK(result->error ==
          "groundedness needs a context: the case has no 'context' field; set 'context:'");
    // Relevance does without.
    auto relevance =
        make_metric(judge_spec("judge", {{"criterion", "relevance"}}), prompts.environment());
    CHECK_FALSE(relevance->evaluate(c.context(), judge).has_value());
    CHECK_FALSE(prompts.last_variables.contains("context"));

    // A missing field in a template is a case error too.
    auto templated =
        make_metric(judge_spec("judge", {{"criterion", "coherence"}, {"question", "{{q}}"}}),
                    prompts.environment());
    result = templated->evaluate(c.context(), judge);
    REQUIRE(result.has_value());
    CHECK(result->error == R"(missing field 'q' for parameter 'question' ("{{q}}"))");

    // Without a prompt renderer (no store), judging is a case error.
    MetricEnvironment bare;
    bare.default_judge_provider = "p";
    auto unrenderable = make_metric(judge_spec("judge", {{"criterion", "fluency"}}), bare);
    result = unrenderable->evaluate(c.context(), judge);
    REQUIRE(result.has_value());
    CHECK(result->error == "judge prompts cannot be rendered here (no prompt store)");
}

TEST_CASE("judge finish scores 1-5 answers and reports unreadable ones", "[judge]") {
    FakeJudgePrompts prompts;
    JudgeCase c;
    auto metric =
        make_metric(judge_spec("judge", {{"criterion", "fluency"}}, 4), prompts.environment());

    auto r = metric->finish(c.context(),
                            answer_of("```json\n{\"score\": 5, \"reason\": \"Clean.\"}\n```"));
    CHECK(r.error.empty());
    CHECK(r.score == 5.0);
    CHECK(r.passed == true);
    CHECK(r.reason == "Clean.");
    CHECK(r.detail == "```json\n{\"score\": 5, \"reason\": \"Clean.\"}\n```");

    r = metric->finish(c.context(), answer_of("Readable, some slips. Score: 3/5"));
    CHECK(r.score == 3.0);
    CHECK(r.passed == false);

    for (std::string bad : {"garbage", "{\"score\": 7, \"reason\": \"great\"}", "Score: 0",
                            "Score: 8/10", "{\"reason\": \"no score\"}"}) {
        INFO(bad);
        r = metric->finish(c.context(), answer_of(bad));
        CHECK(r.error == "judge answer has no score 1-5");
        CHECK_FALSE(r.score.has_value());
        CHECK_FALSE(r.passed.has_value());
        CHECK(r.detail == bad);
    }

    provider::ChatResult failed;
    failed.error = provider::ProviderErrorKind::RateLimit;
    failed.error_message = "HTTP 429 from http://127.0.0.1:9/v1/chat/completions";
    r = metric->finish(c.context(), failed);
    CHECK(r.error == "judge call failed (" + std::string(provider::to_string(failed.error)) +
                         "): HTTP 429 from http://127.0.0.1:9/v1/chat/completions");
    CHECK_FALSE(r.score.has_value());

    // Without a threshold a judge measures only.
    auto unthresholded =
        make_metric(judge_spec("judge", {{"criterion", "coherence"}}), prompts.environment());
    r = unthresholded->finish(c.context(), answer_of("{\"score\": 2}"));
    CHECK(r.score == 2.0);
    CHECK_FALSE(r.passed.has_value());
}

TEST_CASE("rubric asks for pass, score and reason", "[judge]") {
    FakeJudgePrompts prompts;
    JudgeCase c;
    c.fields = {{"tone", "polite"}};
    auto metric = make_metric(judge_spec("rubric", {{"value", "The reply is {{tone}}."}}),
                              prompts.environment());
    JudgeRequest judge;
    CHECK_FALSE(metric->evaluate(c.context(), judge).has_value());
    CHECK(prompts.last_name == "llmops-judge-rubric");
    CHECK(prompts.last_variables == json{{"answer", "It is in Paris."},
                                         {"question", "Where is the Eiffel Tower?"},
                                         {"rubric", "The reply is polite."}});
    CHECK(judge.request.messages[1].content ==
          "<rubric>\nThe reply is polite.\n</rubric>\n<input>\nWhere is the Eiffel "
          "Tower?\n</input>\n<output>\nIt is in Paris.\n</output>");

    auto r = metric->finish(
        c.context(), answer_of(R"(Sure. {"pass": true, "score": 0.9, "reason": "Polite."})"));
    CHECK(r.score == 0.9);
    CHECK(r.passed == true);
    CHECK(r.reason == "Polite.");
    // The judge's pass wins without a threshold; pass alone scores 1 or 0.
    r = metric->finish(c.context(), answer_of(R"({"pass": false, "score": 0.7})"));
    CHECK(r.passed == false);
    r = metric->finish(c.context(), answer_of(R"({"pass": false, "reason": "Rude."})"));
    CHECK(r.score == 0.0);
    CHECK(r.passed == false);
    // A score alone passes at 0.5.
    r = metric->finish(c.context(), answer_of("score: 0.5"));
    CHECK(r.passed == true);
    r = metric->finish(c.context(), answer_of(R"({"score": 1.5})"));
    CHECK(r.error == "judge answer has no score 0-1");
    r = metric->finish(c.context(), answer_of("no idea"));
    CHECK(r.error == "judge answer has no pass or score 0-1");
    CHECK(r.detail == "no idea");

    // With a threshold, both the judge's pass and the score must hold.
    auto strict =
        make_metric(judge_spec("rubric", {{"rubric", "Polite"}}, 0.8), prompts.environment());
    r = strict->finish(c.context(), answer_of(R"({"pass": true, "score": 0.7})"));
    CHECK(r.passed == false);
    r = strict->finish(c.context(), answer_of(R"({"score": 0.8})"));
    CHECK(r.passed == true);
}

TEST_CASE("judge and rubric spec errors", "[judge]") {
    FakeJudgePrompts prompts;
    auto env = prompts.environment();
    CHECK(judge_spec_error(judge_spec("judge", json::object()), env) ==
          "metric 'judge': needs the parameter 'criterion' (one of groundedness, relevance, "
          "coherence, fluency, similarity)");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "helpfulness"}}), env) ==
          "metric 'judge': parameter 'criterion' must be one of groundedness, relevance, "
          "coherence, fluency, similarity, got 'helpfulness'");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}}, 0.8), env) ==
          "metric 'judge': threshold must be between 1 and 5, got 0.8");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "similarity"}}), env) ==
          "metric 'judge': criterion 'similarity' needs the parameter 'expected' (the "
          "reference answer)");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}, {"context", "{{c}}"}}),
                           env) ==
          "metric 'judge': criterion 'fluency' does not use 'context' (groundedness and "
          "relevance do)");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "coherence"}, {"expected", "x"}}),
                           env) ==
          "metric 'judge': criterion 'coherence' does not use 'expected' (similarity does)");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}, {"provider", 3}}), env) ==
          "metric 'judge': parameter 'provider' must be a string, got integer");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}}), MetricEnvironment{}) ==
          "metric 'judge': needs a judge provider: set 'provider:' (the eval has no default)");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}, {"rubric", "x"}}), env) ==
          "metric 'judge': unknown parameter 'rubric'; valid parameters: criterion, value, "
          "provider, model, question, context, expected, threshold, label");
    CHECK(judge_spec_error(judge_spec("rubric", json::object()), env) ==
          "metric 'rubric': needs the parameter 'rubric' (or 'value')");
    CHECK(judge_spec_error(judge_spec("rubric", {{"value", "Polite"}}, 3), env) ==
          "metric 'rubric': threshold must be between 0 and 1, got 3");
}

TEST_CASE("rubric: a score out of 1 is on its scale and thresholds at the ends of the range",
          "[judge]") {
    FakeJudgePrompts prompts;
    JudgeCase c;
    auto metric = make_metric(judge_spec("rubric", {{"value", "Polite"}}), prompts.environment());
    auto r = metric->finish(c.context(), answer_of("Score: 0.8/1"));
    CHECK(r.error.empty());
    CHECK(r.score == 0.8);
    CHECK(r.passed == true);
    r = metric->finish(c.context(), answer_of("Score: 0.8/5"));
    CHECK(r.error == "judge answer has no score 0-1");

    // The ends of the scales are valid thresholds.
    auto env = prompts.environment();
    CHECK_NOTHROW(make_metric(judge_spec("rubric", {{"value", "Polite"}}, 1.0), env));
    CHECK_NOTHROW(make_metric(judge_spec("rubric", {{"value", "Polite"}}, 0.0), env));
    CHECK_NOTHROW(make_metric(judge_spec("judge", {{"criterion", "fluency"}}, 5.0), env));
    CHECK_NOTHROW(make_metric(judge_spec("judge", {{"criterion", "fluency"}}, 1.0), env));
    CHECK(judge_spec_error(judge_spec("rubric", {{"value", "Polite"}}, -0.1), env) ==
          "metric 'rubric': threshold must be between 0 and 1, got -0.1");
    CHECK(judge_spec_error(judge_spec("judge", {{"criterion", "fluency"}}, 5.5), env) ==
          "metric 'judge': threshold must be between 1 and 5, got 5.5");
}
