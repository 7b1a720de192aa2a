// Unit tests for lib/eval/metric_registry.cpp and the deterministic metric families
// (lib/eval/metrics/*_metrics.cpp): every metric built by make_metric from a spec entry and
// run on a hand-made case. Expected values are derived by hand in the comments, or are the
// pure functions' values pinned in test_metrics.cpp.
#include "core/error.hpp"
#include "eval/metric.hpp"
#include "eval/metrics/bleu_detail.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace llmops;
using namespace llmops::eval;
using nlohmann::json;

namespace {

constexpr double kRegistryTol = 1e-9;

struct TestCase {
    json fields = json::object();
    json vars = json::object();
    std::string input = "What is the capital of France?";
    std::string output;
    provider::ChatResult result;

    CaseContext context() const { return CaseContext{fields, vars, input, output, result}; }
};

MetricSpec spec_of(std::string name, json params = json::object(),
                   std::optional<double> threshold = std::nullopt) {
    MetricSpec spec;
    spec.name = name;
    spec.label = name;
    spec.params = std::move(params);
    spec.threshold = threshold;
    spec.where = ErrorLocation::in_file("evals/qa.yaml", 12, 7);
    return spec;
}

MetricResult run(const MetricSpec& spec, const TestCase& c) {
    auto metric = make_metric(spec, MetricEnvironment{});
    JudgeRequest judge;
    auto result = metric->evaluate(c.context(), judge);
    REQUIRE(result.has_value());
    return *result;
}

MetricResult run(std::string name, json params, std::string output, json fields = json::object(),
                 std::optional<double> threshold = std::nullopt) {
    TestCase c;
    c.output = std::move(output);
    c.fields = std::move(fields);
    return run(spec_of(std::move(name), std::move(params), threshold), c);
}

// make_metric's error message; fails the test when it does not throw Error(BadInput) at the
// entry's location.
std::string make_error(const MetricSpec& spec, const MetricEnvironment& environment = {}) {
    try {
        make_metric(spec, environment);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(e.where().file == "evals/qa.yaml");
        CHECK(e.where().line == 12);
        return e.message();
    }
    FAIL("make_metric did not throw for " << spec.name << " " << spec.params.dump());
    return {};
}

void check_pass(const MetricResult& r) {
    CHECK(r.error.empty());
    REQUIRE(r.score.has_value());
    CHECK(*r.score == 1.0);
    CHECK(r.passed == true);
    CHECK(r.reason.empty());
}

void check_fail(const MetricResult& r, const std::string& reason) {
    CHECK(r.error.empty());
    REQUIRE(r.score.has_value());
    CHECK(*r.score == 0.0);
    CHECK(r.passed == false);
    CHECK(r.reason == reason);
}

} // namespace

TEST_CASE("metric_names lists every metric, sorted", "[metric_registry]") {
    const std::vector<std::string> expected = {"bleu",
                                               "contains",
                                               "contains_all",
                                               "contains_any",
                                               "cost",
                                               "equals",
                                               "exact_match",
                                               "f1",
                                               "icontains",
                                               "injection",
                                               "injection_judge",
                                               "is_json",
                                               "json_schema",
                                               "judge",
                                               "latency",
                                               "levenshtein",
                                               "mrr",
                                               "ndcg_at_k",
                                               "not_contains",
                                               "pii",
                                               "precision_at_k",
                                               "recall_at_k",
                                               "regex",
                                               "rouge1",
                                               "rouge2",
                                               "rouge_l",
                                               "rubric",
                                               "starts_with",
                                               "token_count"};
    CHECK(metric_names() == expected);
}

TEST_CASE("equals compares bytes, optionally trimmed and caseless", "[metric_registry]") {
    check_pass(run("equals", {{"expected", "Paris"}}, "Paris"));
    check_fail(run("equals", {{"expected", "Paris"}}, "paris."),
               R"(expected "Paris", got "paris.")");
    // `value` is the scalar shorthand (`- equals: Paris`).
    check_pass(run("equals", {{"value", "Paris"}}, "Paris"));
    check_fail(run("equals", {{"value", "Paris"}}, " Paris\n"),
               R"(expected "Paris", got " Paris\n")");
    check_pass(run("equals", {{"value", "Paris"}, {"trim", true}}, " Paris\n"));
    check_pass(run("equals", {{"value", "STRASSE"}, {"ignore_case", true}}, "straße"));
    check_fail(run("equals", {{"value", "Paris"}, {"ignore_case", true}}, " paris"),
               R"(expected "Paris", got " paris")");
    // A number is taken as its text.
    check_pass(run("equals", {{"value", 42}}, "42"));
}

TEST_CASE("exact_match normalises like SQuAD unless told not to", "[metric_registry]") {
    check_pass(run("exact_match", {{"expected", "Paris"}}, "The Paris!"));
    check_fail(run("exact_match", {{"expected", "Paris"}}, "Paris, France"),
               R"(expected "Paris", got "Paris, France" (normalised: "paris" vs "paris france"))");
    check_fail(run("exact_match", {{"expected", "Paris"}, {"normalize", false}}, "the Paris"),
               R"(expected "Paris", got "the Paris")");
    check_pass(run("exact_match", {{"expected", "Paris"}, {"normalize", false}}, "Paris"));
}

TEST_CASE("contains, icontains, not_contains and starts_with", "[metric_registry]") {
    check_pass(run("contains", {{"value", "Paris"}}, "It is Paris."));
    check_fail(run("contains", {{"value", "Paris"}}, "It is paris."),
               R"(output "It is paris." does not contain "Paris")");
    check_pass(run("icontains", {{"value", "PARIS"}}, "It is paris."));
    check_fail(run("icontains", {{"value", "Lyon"}}, "It is paris."),
               R"(output "It is paris." does not contain "Lyon" (ignoring case))");
    check_pass(run("not_contains", {{"value", "sorry"}}, "Paris"));
    check_fail(run("not_contains", {{"value", "sorry"}}, "I am sorry"),
               R"(output "I am sorry" contains "sorry")");
    check_pass(run("starts_with", {{"value", "Answer:"}}, "Answer: Paris"));
    check_fail(run("starts_with", {{"value", "Answer:"}}, " Answer: Paris"),
               R"(output " Answer: Paris" does not start with "Answer:")");
}

TEST_CASE("contains_any and contains_all take lists of templates", "[metric_registry]") {
    json fields = {{"city", "Paris"}};
    check_pass(run("contains_any", {{"values", {"Lyon", "{{city}}"}}}, "It is Paris", fields));
    check_fail(run("contains_any", {{"values", {"Lyon", "{{city}}"}}}, "It is Nice", fields),
               R"(output "It is Nice" contains none of "Lyon", "Paris")");
    check_pass(run("contains_any", {{"value", {"PARIS"}}, {"ignore_case", true}}, "paris"));
    // An empty list: any fails, all passes (string_match.hpp).
    CHECK(run("contains_any", {{"values", json::array()}}, "x").passed == false);
    check_pass(run("contains_all", {{"values", json::array()}}, "x"));
    check_pass(run("contains_all", {{"values", {"a", "b"}}}, "b and a"));
    check_fail(run("contains_all", {{"values", {"a", "X", "Y"}}}, "a b"),
               R"(output "a b" lacks "X", "Y")");
    check_pass(run("contains_all", {{"values", {"A", "B"}}, {"ignore_case", true}}, "b and a"));
}

TEST_CASE("regex searches with RE2, compiled once", "[metric_registry]") {
    check_pass(run("regex", {{"pattern", "^Answer: [A-Z]"}}, "Answer: Paris"));
    check_pass(run("regex", {{"value", "(?i)paris"}}, "in PARIS"));
    check_fail(run("regex", {{"pattern", "^\\d+$"}}, "12a"),
               R"(output "12a" does not match /^\d+$/)");
    // The pattern is literal: braces are not a template.
    check_pass(run("regex", {{"pattern", "^a{2}$"}}, "aa"));
    std::string error = make_error(spec_of("regex", {{"pattern", "(a"}}));
    CHECK(error == "metric 'regex': invalid regular expression '(a': missing ): (a");
}

TEST_CASE("levenshtein is a score metric with a threshold", "[metric_registry]") {
    // kitten -> sitting: 3 edits over 7 code points.
    auto r = run("levenshtein", {{"expected", "sitting"}}, "kitten");
    REQUIRE(r.score);
    CHECK(std::abs(*r.score - (1.0 - 3.0 / 7.0)) < kRegistryTol);
    CHECK_FALSE(r.passed.has_value()); // no threshold: measured only
    CHECK(r.reason.empty());

    r = run("levenshtein", {{"expected", "sitting"}}, "kitten", json::object(), 0.6);
    CHECK(r.passed == false);
    CHECK(r.reason == R"(0.5714 is below the threshold 0.6: expected "sitting", got "kitten")");
    r = run("levenshtein", {{"expected", "sitting"}}, "kitten", json::object(), 0.5);
    CHECK(r.passed == true);
    CHECK(r.reason.empty());
}

TEST_CASE("f1, rouge and bleu score against templates", "[metric_registry]") {
    json fields = {{"answer", "the cat ran"}};
    // Token F1 over normalised tokens {cat, sat} vs {cat, ran}: P = R = 1/2.
    auto f1 = run("f1", {{"expected", "{{answer}}"}}, "The cat sat", fields);
    CHECK(std::abs(*f1.score - 0.5) < kRegistryTol);
    // ROUGE-1: the/cat shared, P = R = 2/3. ROUGE-2: "the cat" shared of 2 bigrams each.
    // ROUGE-L: LCS "the cat" = 2 of 3.
    CHECK(std::abs(*run("rouge1", {{"expected", "{{answer}}"}}, "the cat sat", fields).score -
                   2.0 / 3.0) < kRegistryTol);
    CHECK(std::abs(*run("rouge2", {{"value", "{{answer}}"}}, "the cat sat", fields).score - 0.5) <
          kRegistryTol);
    auto rl = run("rouge_l", {{"expected", "{{answer}}"}}, "the cat sat", fields, 0.7);
    CHECK(std::abs(*rl.score - 2.0 / 3.0) < kRegistryTol);
    CHECK(rl.passed == false);
    CHECK(rl.reason ==
          R"(0.6667 is below the threshold 0.7: expected "the cat ran", got "the cat sat")");

    // BLEU: identical to one of several references (>= 4 tokens) scores 1.
    std::string hyp = "the quick brown fox jumps";
    auto bleu = run("bleu", {{"expected", {"a slow dog", hyp}}}, hyp);
    CHECK(std::abs(*bleu.score - 1.0) < kRegistryTol);
    // No shared token with the only reference: 0.
    CHECK(*run("bleu", {{"expected", "red green blue yellow"}}, hyp).score == 0.0);
    // lowercase: case no longer matters.
    CHECK(
        std::abs(*run("bleu", {{"expected", "The Quick Brown Fox Jumps"}, {"lowercase", true}}, hyp)
                      .score -
                 1.0) < kRegistryTol);
    CHECK(*run("bleu", {{"expected", "The Quick Brown Fox Jumps"}}, hyp).score < 0.5);
}

TEST_CASE("bleu keeps each case's n-gram statistics, which summed give corpus BLEU",
          "[metric_registry]") {
    // sacrebleu's README example: corpus BLEU 48.53 (tests/unit/test_metrics.cpp pins it).
    const std::vector<std::pair<std::string, json>> cases = {
        {"The dog bit the man.", {"The dog bit the man.", "The dog had bit the man."}},
        {"It wasn't surprising.", {"It was not unexpected.", "No one was surprised."}},
        {"The man had just bitten him.",
         {"The man bit him first.", "The man had bitten the dog."}}};
    BleuStats sum;
    for (const auto& [hyp, refs] : cases) {
        auto r = run("bleu", {{"expected", refs}}, hyp);
        auto stats = bleu_stats_from_json(r.detail);
        REQUIRE(stats);
        // The stored statistics give back the case's own (sentence) score.
        CHECK(bleu_from_stats(*stats, /*effective_order=*/true).score ==
              Approx(*r.score).margin(kRegistryTol));
        sum += *stats;
    }
    CHECK(bleu_from_stats(sum, /*effective_order=*/false).score * 100 ==
          Approx(48.53082700992989).margin(kRegistryTol * 100));
    CHECK_FALSE(bleu_stats_from_json(json()));
    CHECK_FALSE(bleu_stats_from_json(json{{"bleu_stats", {{"sys_len", "x"}}}}));
}

TEST_CASE("pii passes when no personal data is found", "[metric_registry]") {
    check_pass(run("pii", json::object(), "The capital of France is Paris."));
    check_fail(run("pii", json::object(), "Write to jo@example.com or call (201) 555-0123."),
               "output holds 1 EMAIL_ADDRESS, 1 PHONE_NUMBER");
    check_pass(run("pii", {{"entities", {"CREDIT_CARD"}}}, "Write to jo@example.com."));
    check_pass(run("pii", {{"min_score", 0.99}}, "see example.org"));
    CHECK_THROWS_AS(run("pii", {{"scan", "answer"}}, "x"), llmops::Error);
    CHECK_THROWS_AS(run("pii", {{"min_score", 2}}, "x"), llmops::Error);
}

TEST_CASE("is_json and json_schema", "[metric_registry]") {
    check_pass(run("is_json", json::object(), R"( {"a": [1, 2]} )"));
    check_pass(run("is_json", {{"value", nullptr}}, "42")); // `- is_json:` with no value
    auto r = run("is_json", json::object(), "{'a': 1}");
    CHECK(r.passed == false);
    CHECK(r.reason.rfind(R"(output "{'a': 1}" is not JSON: parse error at line 1, column 2)", 0) ==
          0);

    json schema = {{"type", "object"},
                   {"required", {"name", "age"}},
                   {"properties", {{"age", {{"type", "integer"}, {"minimum", 0}}}}}};
    check_pass(run("json_schema", {{"schema", schema}}, R"({"name": "Ada", "age": 36})"));
    check_fail(run("json_schema", {{"schema", schema}}, R"({"name": "Ada", "age": -1})"),
               "schema: /age: must be >= 0");
    check_fail(run("json_schema", {{"schema", schema}}, R"({"age": 3})"),
               "schema: output: missing required property 'name'");
    r = run("json_schema", {{"schema", schema}}, "Sure! {\"name\": \"Ada\"}");
    CHECK(r.passed == false);
    CHECK(r.reason.find("is not JSON") != std::string::npos);

    CHECK(make_error(spec_of("json_schema")) ==
          "metric 'json_schema': needs the parameter 'schema' (an inline JSON Schema)");
    CHECK(make_error(spec_of("json_schema", {{"schema", "object"}})) ==
          "metric 'json_schema': parameter 'schema' must be a JSON Schema object, got string");
    std::string invalid = make_error(spec_of("json_schema", {{"schema", {{"type", 3}}}}));
    CHECK(invalid.rfind("metric 'json_schema': invalid schema: ", 0) == 0);
}

TEST_CASE("latency, cost and token_count: lower is better", "[metric_registry]") {
    TestCase c;
    c.output = "Paris is the capital of France."; // 31 code points -> 8 estimated tokens
    c.result.latency_ms = 2150.5;
    c.result.cost_usd = 0.0012;

    auto latency = make_metric(spec_of("latency", {}, 2000), {});
    CHECK(latency->lower_is_better());
    JudgeRequest judge;
    auto r = *latency->evaluate(c.context(), judge);
    CHECK(*r.score == 2150.5);
    CHECK(r.passed == false);
    CHECK(r.reason == "2150.5 is above the maximum 2000: milliseconds");

    // `- latency: 2500` is shorthand for the maximum.
    r = run(spec_of("latency", {{"value", 2500}}), c);
    CHECK(r.passed == true);
    r = run(spec_of("latency"), c);
    CHECK_FALSE(r.passed.has_value());

    r = run(spec_of("cost", {{"max", 0.001}}), c);
    CHECK(*r.score == 0.0012);
    CHECK(r.passed == false);
    CHECK(r.reason == "0.0012 is above the maximum 0.001: US dollars");

    r = run(spec_of("token_count", {}, 8), c);
    CHECK(*r.score == 8.0);
    CHECK(r.passed == true); // at the maximum passes
    c.result.completion_tokens = 12;
    r = run(spec_of("token_count", {}, 8), c);
    CHECK(*r.score == 12.0);
    CHECK(r.reason == "12 is above the maximum 8: completion tokens reported by the provider");

    CHECK(make_error(spec_of("latency", {{"value", 100}}, 200)) ==
          "metric 'latency': give the maximum as 'value' or 'threshold', not both");
    CHECK(make_error(spec_of("cost", {{"value", "cheap"}})) ==
          "metric 'cost': parameter 'value' must be a number, got string");
}

TEST_CASE("retrieval metrics read passages from the prompt variables", "[metric_registry]") {
    TestCase c;
    c.vars = {{"question", "q"},
              {"docs",
               {{{"id", "d2"}, {"text", "two"}, {"score", 0.9}},
                {{"id", "d1"}, {"text", "one"}, {"score", 0.8}},
                {{"id", "d3"}, {"text", "three"}, {"score", 0.7}}}}};
    c.fields = {{"relevant_ids", {"d1", "d3"}}, {"gold", "d3"}};
    json params = {{"k", 2}, {"relevant", "relevant_ids"}};

    // Top 2 = d2, d1: one hit of two relevant, of two retrieved.
    CHECK(*run(spec_of("recall_at_k", params), c).score == 0.5);
    CHECK(*run(spec_of("precision_at_k", params), c).score == 0.5);
    // First relevant at rank 2.
    CHECK(*run(spec_of("mrr", params), c).score == 0.5);
    // nDCG@3: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3).
    double dcg = 1 / std::log2(3.0) + 0.5, idcg = 1 + 1 / std::log2(3.0);
    auto ndcg = run(spec_of("ndcg_at_k", {{"k", 3}, {"relevant", "relevant_ids"}}), c);
    CHECK(std::abs(*ndcg.score - dcg / idcg) < kRegistryTol);

    // k defaults to 5: P@5 divides by 5 although 3 were retrieved (trec_eval).
    CHECK(std::abs(*run(spec_of("precision_at_k", {{"relevant", "relevant_ids"}}), c).score - 0.4) <
          kRegistryTol);
    // "{{field}}" alone names the field too; a richer template renders one id.
    CHECK(*run(spec_of("recall_at_k", {{"k", 1}, {"relevant", "{{relevant_ids}}"}}), c).score ==
          0.0);
    CHECK(*run(spec_of("mrr", {{"relevant", "{{ gold }}"}}), c).score == 1.0 / 3.0);
    c.fields["prefix"] = "d";
    CHECK(*run(spec_of("mrr", {{"relevant", "{{prefix}}1"}}), c).score == 0.5);
    // Ids written in the spec (inline cases).
    CHECK(*run(spec_of("recall_at_k", {{"k", 1}, {"relevant", {"d2"}}}), c).score == 1.0);

    // Graded relevance for nDCG: d3 grade 2, d1 grade 1.
    c.fields["grades"] = {{"d3", 2}, {"d1", 1}};
    ndcg = run(spec_of("ndcg_at_k", {{"k", 3}, {"relevant", "grades"}}), c);
    double graded_dcg = 1 / std::log2(3.0) + 2 / std::log2(4.0);
    double graded_idcg = 2 + 1 / std::log2(3.0);
    CHECK(std::abs(*ndcg.score - graded_dcg / graded_idcg) < kRegistryTol);

    // Threshold and reason.
    auto r = run(spec_of("recall_at_k", params, 0.75), c);
    CHECK(r.passed == false);
    CHECK(r.reason ==
          "0.5 is below the threshold 0.75: top 2 retrieved [d2, d1], relevant [d1, d3]");

    // Nothing relevant: recall is undefined, a case error; precision is 0.
    c.fields["relevant_ids"] = json::array();
    r = run(spec_of("recall_at_k", params), c);
    CHECK_FALSE(r.score.has_value());
    CHECK(r.error == "the case has no relevant ids, so recall_at_k is undefined");
    CHECK(*run(spec_of("precision_at_k", params), c).score == 0.0);

    // Missing field.
    r = run(spec_of("mrr", {{"relevant", "labels"}}), c);
    CHECK(r.error == "missing field 'labels' for parameter 'relevant'");
}

TEST_CASE("retrieval metrics find the passages variable or ask for it", "[metric_registry]") {
    TestCase c;
    c.fields = {{"relevant", "b"}};
    json passages = {{{"id", "a"}, {"text", "A"}}, {{"id", "b"}, {"text", "B"}}};
    c.vars = {{"ctx", passages}, {"more", passages}, {"tags", {"x", "y"}}};
    json params = {{"relevant", "relevant"}};
    auto r = run(spec_of("mrr", params), c);
    CHECK(r.error == "several prompt variables hold passages (ctx, more); name one with "
                     "'retrieved:'");
    params["retrieved"] = "more";
    CHECK(*run(spec_of("mrr", params), c).score == 0.5);
    // Named explicitly, bare ids are accepted.
    params["retrieved"] = "tags";
    CHECK(*run(spec_of("mrr", params), c).score == 0.0);
    params["retrieved"] = "nope";
    CHECK(run(spec_of("mrr", params), c).error ==
          "no prompt variable 'nope' holds retrieved passages");
    params["retrieved"] = "ctx";
    c.vars["ctx"] = "text";
    CHECK(run(spec_of("mrr", params), c).error ==
          R"(variable 'ctx' must be an array of passages ({"id", "text", "score"}), got string)");

    // An empty retrieval next to a non-empty list of passages: the non-empty one is used; the
    // empty one alone is used too (and scores 0).
    c.vars = {{"ctx", json::array()}, {"other", passages}};
    CHECK(*run(spec_of("mrr", {{"relevant", "relevant"}}), c).score == 0.5);
    c.vars = {{"ctx", json::array()}, {"question", "q"}};
    CHECK(*run(spec_of("mrr", {{"relevant", "relevant"}}), c).score == 0.0);
    c.vars = {{"question", "q"}};
    CHECK(run(spec_of("mrr", {{"relevant", "relevant"}}), c)
              .error.rfind("no prompt variable holds retrieved passages", 0) == 0);

    CHECK(make_error(spec_of("mrr")) ==
          "metric 'mrr': needs the parameter 'relevant' (the row field holding the relevant ids)");
    CHECK(make_error(spec_of("ndcg_at_k", {{"relevant", "r"}, {"k", 0}})) ==
          "metric 'ndcg_at_k': parameter 'k' must be an integer >= 1, got 0");
    CHECK(make_error(spec_of("ndcg_at_k", {{"relevant", "r"}, {"k", "five"}})) ==
          "metric 'ndcg_at_k': parameter 'k' must be an integer >= 1, got string");
}

TEST_CASE("parameter templates render the case's fields, unescaped", "[metric_registry]") {
    json fields = {{"answer", "<b>Fish & Chips</b>"}, {"meta", {{"n", 3}, {"x", 0.5}}}};
    check_pass(run("equals", {{"expected", "{{answer}}"}}, "<b>Fish & Chips</b>", fields));
    check_pass(run("equals", {{"expected", "{{meta.n}} and {{meta.x}}"}}, "3 and 0.5", fields));
    check_pass(run("equals", {{"expected", "{{#meta}}n={{n}}{{/meta}}"}}, "n=3", fields));

    // A missing field is a case error naming it, not an exception.
    auto r = run("equals", {{"expected", "{{answr}}"}}, "x", fields);
    CHECK_FALSE(r.score.has_value());
    CHECK_FALSE(r.passed.has_value());
    CHECK(r.error == R"(missing field 'answr' for parameter 'expected' ("{{answr}}"))");
    r = run("contains_all", {{"values", {"a", "{{meta.missing}}"}}}, "a", fields);
    CHECK(r.error == R"(missing field 'meta.missing' for parameter 'values' ("{{meta.missing}}"))");
    // null counts as present and renders as nothing.
    check_pass(run("equals", {{"expected", "[{{none}}]"}}, "[]", {{"none", nullptr}}));

    // A template that does not compile is a spec error with its position.
    CHECK(make_error(spec_of("equals", {{"expected", "{{#a}}x"}}))
              .rfind("metric 'equals': parameter 'expected': unclosed section 'a'", 0) == 0);

    // render_parameter: the one-off form for the runner.
    CHECK(render_parameter("Q: {{answer}}", fields) == "Q: <b>Fish & Chips</b>");
    CHECK(render_parameter(json{1, 2}, fields) == json{1, 2});
    CHECK_THROWS_AS(render_parameter("{{nope}}", fields), Error);
}

TEST_CASE("make_metric rejects bad spec entries at their location", "[metric_registry]") {
    std::string unknown = make_error(spec_of("rouge"));
    CHECK(unknown.rfind("unknown metric 'rouge'; valid metrics: bleu, contains, contains_all, ",
                        0) == 0);
    CHECK(unknown.find("; did you mean 'rouge1'?") != std::string::npos);
    CHECK(make_error(spec_of("containz")).find("did you mean 'contains'?") != std::string::npos);
    CHECK(unknown.find("rouge1, rouge2, rouge_l, rubric, starts_with, token_count") !=
          std::string::npos);

    // The list names the keys every entry may carry (label; threshold for scored metrics),
    // and a close key is suggested.
    CHECK(make_error(spec_of("equals", {{"expect", "Paris"}})) ==
          "metric 'equals': unknown parameter 'expect'; valid parameters: expected, value, "
          "ignore_case, trim, label; did you mean 'expected'?");
    CHECK(make_error(spec_of("is_json", {{"strict", true}})) ==
          "metric 'is_json': unknown parameter 'strict'; valid parameters: label");
    CHECK(make_error(spec_of("rouge_l", {{"expected", "x"}, {"treshold", 0.5}})) ==
          "metric 'rouge_l': unknown parameter 'treshold'; valid parameters: expected, value, "
          "threshold, label; did you mean 'threshold'?");
    CHECK(make_error(spec_of("equals", {{"expected", {"Paris"}}})) ==
          "metric 'equals': parameter 'expected' must be a string, got array");
    CHECK(make_error(spec_of("equals", {{"expected", "a"}, {"trim", "yes"}})) ==
          "metric 'equals': parameter 'trim' must be a boolean (true or false), got string");
    CHECK(make_error(spec_of("contains_any", {{"values", "a"}})) ==
          "metric 'contains_any': parameter 'values' must be an array of strings, got string");
    CHECK(make_error(spec_of("contains_any", {{"values", {"a", 1.5, true}}})) ==
          "metric 'contains_any': parameter 'values' must be an array of strings, got array");
    CHECK(make_error(spec_of("equals")) ==
          "metric 'equals': needs the parameter 'expected' (or 'value')");
    CHECK(make_error(spec_of("contains")) == "metric 'contains': needs the parameter 'value'");
    CHECK(make_error(spec_of("equals", {{"expected", "a"}, {"value", "b"}})) ==
          "metric 'equals': give 'expected' or 'value', not both");
    CHECK(make_error(spec_of("bleu", {{"expected", json::array()}})) ==
          "metric 'bleu': parameter 'expected' needs at least one reference");

    // Boolean assertions pass or fail by themselves.
    CHECK(make_error(spec_of("contains", {{"value", "a"}}, 0.5)) ==
          "metric 'contains': is a pass/fail assertion and takes no threshold");

    // Errors name the entry by its label.
    MetricSpec labelled = spec_of("equals", {{"expect", "x"}});
    labelled.label = "capital";
    CHECK(make_error(labelled).rfind("metric 'capital': unknown parameter 'expect'", 0) == 0);
}

TEST_CASE("a metric keeps its spec and label", "[metric_registry]") {
    MetricSpec spec = spec_of("rouge_l", {{"expected", "x"}}, 0.5);
    spec.label = "rouge_l#2";
    auto metric = make_metric(spec, {});
    CHECK(metric->label() == "rouge_l#2");
    CHECK(metric->spec().threshold == 0.5);
    CHECK_FALSE(metric->lower_is_better());
    // Deterministic metrics do not take judge answers.
    TestCase c;
    provider::ChatResult answer;
    auto r = metric->finish(c.context(), answer);
    CHECK(r.error == "metric 'rouge_l#2' does not take a judge answer");
}

TEST_CASE("exact_match: the normalised texts in the reason are cut at 80 bytes",
          "[metric_registry]") {
    const std::string x81(81, 'x');
    auto r = run("exact_match", {{"expected", "Paris"}}, x81);
    CHECK(r.passed == false);
    CHECK(r.reason == "expected \"Paris\", got \"" + x81 + "\" (normalised: \"paris\" vs \"" +
                          std::string(80, 'x') + "\"…)");
}

TEST_CASE("retrieval metrics: how 'relevant' names a field, and what a passage list is",
          "[metric_registry]") {
    TestCase c;
    c.vars = {{"docs", {{{"id", "d2"}}, {{"id", "d1"}}, {{"id", "d3"}}}}};
    c.fields = {{"ids", {"d1", "d3"}},
                {"A", {"d1", "d3"}},
                {"gold", "d3"},
                {"x", {{"y", {{"ids", {"d1", "d2"}}}}}}};
    // A single tag names the field, whatever its form: the array stays whole (recall@2 of
    // d2, d1 against d1, d3 = 0.5), where rendering it as text would give one odd id.
    for (const char* relevant :
         {"{{ids}}", "{{ ids }}", "\t{{ids}} ", "{{{ids}}}", "{{&ids}}", "{{& ids}}", "{{A}}"}) {
        INFO(relevant);
        CHECK(run(spec_of("recall_at_k", {{"k", 2}, {"relevant", relevant}}), c).score == 0.5);
    }
    // More than a name: a template, rendered per case.
    CHECK(run(spec_of("mrr", {{"relevant", "{{#gold}}{{.}}{{/gold}}"}}), c).score == 1.0 / 3.0);
    CHECK(run(spec_of("mrr", {{"relevant", "{{gold}}{{gold}}"}}), c).score == 0.0);
    // A dotted path of three levels.
    CHECK(run(spec_of("recall_at_k", {{"k", 1}, {"relevant", "x.y.ids"}}), c).score == 0.5);
    CHECK(run(spec_of("mrr", {{"relevant", "x.z.ids"}}), c).error ==
          "missing field 'x.z.ids' for parameter 'relevant'");

    // Passages need an integer or string id: a fractional id or none is not a passage list.
    json params = {{"relevant", "gold"}, {"retrieved", "docs"}};
    c.vars["docs"] = {{{"id", 1.5}}, {{"id", "d3"}}};
    CHECK(run(spec_of("mrr", params), c).error ==
          R"(variable 'docs' must be an array of passages ({"id", "text", "score"}), got array)");
    c.vars["docs"] = {{{"text", "no id"}}, {{"id", "d3"}}};
    CHECK(run(spec_of("mrr", params), c).error ==
          R"(variable 'docs' must be an array of passages ({"id", "text", "score"}), got array)");
    c.vars["docs"] = {{{"id", 7}}, {{"id", "d3"}}};
    CHECK(run(spec_of("mrr", params), c).score == 0.5);
}
