// Unit tests for lib/eval/eval_spec.cpp: the schema, every shorthand, the semantic rules, the
// bad-spec corpus in tests/data/bad-eval/ and the spec hash.
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "eval/eval_spec.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace llmops;
using namespace llmops::eval;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The example of issue 6, verbatim.
const char* const kIssueExample = R"(description: QA regression
dataset: qa@latest              # a dataset ref, or a file path
prompts: [qa-answer@production, qa-answer@latest]
providers: [default, {id: local, model: llama3}]
vars: {question: "{{question}}", context: "{{context}}"}   # optional mapping from row fields
metrics:                        # applied to every case; cases may add their own
  - exact_match: {expected: "{{answer}}", normalize: true}
  - rouge_l: {expected: "{{answer}}", threshold: 0.5}
  - judge: {criterion: groundedness, provider: default, threshold: 4}
thresholds: {pass_rate: 0.9, rouge_l: {mean: 0.6}}
concurrency: 16
)";

EvalSpec eval_spec_of(const std::string& text) {
    return parse_eval_spec(text, "eval.yaml");
}

// The error a spec raises, as "message (where)".
std::string spec_error_of(const std::string& text) {
    try {
        eval_spec_of(text);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        return e.what();
    }
    return "no error";
}

// The minimum a valid spec needs, for tests that vary one field.
const std::string kHead = "dataset: qa@latest\nprompts: qa-answer\nproviders: [default]\n";

std::vector<std::string> labels_of(const std::vector<MetricSpec>& metrics) {
    std::vector<std::string> labels;
    for (const auto& m : metrics)
        labels.push_back(m.label);
    return labels;
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

fs::path bad_eval_dir() {
    return fs::path(LLMOPS_SOURCE_DIR) / "tests" / "data" / "bad-eval";
}

} // namespace

TEST_CASE("eval_spec: the embedded schema is schemas/eval.schema.json", "[eval_spec]") {
    json file = json::parse(read_file(fs::path(LLMOPS_SOURCE_DIR) / "schemas/eval.schema.json"));
    CHECK(file == json::parse(eval_schema_text()));
}

TEST_CASE("eval_spec: the issue's example parses into the expected spec", "[eval_spec]") {
    EvalSpec s = eval_spec_of(kIssueExample);
    CHECK(s.description == "QA regression");
    CHECK(s.dataset == "qa@latest");
    CHECK_FALSE(s.dataset_file);
    CHECK(s.id_field == "id");
    CHECK(s.prompts == std::vector<std::string>{"qa-answer@production", "qa-answer@latest"});
    REQUIRE(s.prompt_locations.size() == 2);
    CHECK(s.prompt_locations[1].to_string() == "eval.yaml:3:33");

    REQUIRE(s.providers.size() == 2);
    CHECK(s.providers[0].id == "default");
    CHECK(s.providers[0].model.empty());
    CHECK(s.providers[0].label == "default");
    CHECK(s.providers[0].parameters == json::object());
    CHECK(s.providers[1].id == "local");
    CHECK(s.providers[1].model == "llama3");
    CHECK(s.providers[1].label == "local:llama3");
    CHECK(s.providers[1].where.to_string() == "eval.yaml:4:22");

    CHECK(s.vars == json{{"question", "{{question}}"}, {"context", "{{context}}"}});
    CHECK(s.retrieve.empty());

    REQUIRE(s.metrics.size() == 3);
    CHECK(s.metrics[0].name == "exact_match");
    CHECK(s.metrics[0].params == json{{"expected", "{{answer}}"}, {"normalize", true}});
    CHECK_FALSE(s.metrics[0].threshold);
    CHECK(s.metrics[0].label == "exact_match");
    CHECK(s.metrics[0].where.to_string() == "eval.yaml:7:5");
    CHECK(s.metrics[1].name == "rouge_l");
    CHECK(s.metrics[1].params == json{{"expected", "{{answer}}"}});
    CHECK(s.metrics[1].threshold == 0.5);
    CHECK(s.metrics[2].name == "judge");
    CHECK(s.metrics[2].params == json{{"criterion", "groundedness"}, {"provider", "default"}});
    CHECK(s.metrics[2].threshold == 4);
    CHECK(s.metrics[2].label == "judge");

    REQUIRE(s.thresholds.size() == 2);
    // Keys in sorted order: pass_rate, rouge_l.
    CHECK(s.thresholds[0].metric.empty());
    CHECK(s.thresholds[0].statistic == "pass_rate");
    CHECK(s.thresholds[0].value == 0.9);
    CHECK(s.thresholds[1].metric == "rouge_l");
    CHECK(s.thresholds[1].statistic == "mean");
    CHECK(s.thresholds[1].value == 0.6);
    CHECK(s.thresholds[1].where.to_string() == "eval.yaml:10:46");

    CHECK(s.concurrency == 16u);
    CHECK_FALSE(s.limit);
    CHECK(s.cases.empty());
    CHECK(s.source == "eval.yaml");
    CHECK(s.document["concurrency"] == 16);
    CHECK(s.document["metrics"].size() == 3);
    CHECK(s.yaml.source_name == "eval.yaml");
    CHECK(s.hash.size() == 32);
    CHECK(is_hex_hash(s.hash));
}

TEST_CASE("eval_spec: one prompt or provider may be written without a list", "[eval_spec]") {
    EvalSpec s = eval_spec_of("dataset: qa\nprompts: qa-answer@3\nproviders: {id: echo, seed: 7}\n"
                              "case_id: qid\nlimit: 20\n");
    CHECK(s.prompts == std::vector<std::string>{"qa-answer@3"});
    CHECK(s.prompt_locations[0].to_string() == "eval.yaml:2:10");
    REQUIRE(s.providers.size() == 1);
    CHECK(s.providers[0].label == "echo");
    CHECK(s.providers[0].parameters == json{{"seed", 7}});
    CHECK(s.id_field == "qid");
    CHECK(s.limit == 20);
    CHECK_FALSE(s.concurrency);
}

TEST_CASE("eval_spec: provider overrides and labels", "[eval_spec]") {
    EvalSpec s = eval_spec_of(R"(dataset: qa
prompts: qa-answer
providers:
  - {id: local, model: llama3, temperature: 0, label: cold}
  - {id: local, model: llama3, temperature: 1, top_p: 0.9, max_tokens: 64, stop: ["\n"],
     presence_penalty: 0.5, frequency_penalty: -0.5, response_format: {type: json_object},
     extra: {repeat_penalty: 1.1}}
  - openai:gpt-4o-mini
)");
    REQUIRE(s.providers.size() == 3);
    CHECK(s.providers[0].label == "cold");
    CHECK(s.providers[0].parameters == json{{"temperature", 0}});
    CHECK(s.providers[1].label == "local:llama3");
    CHECK(s.providers[1].parameters == json{{"temperature", 1},
                                            {"top_p", 0.9},
                                            {"max_tokens", 64},
                                            {"stop", {"\n"}},
                                            {"presence_penalty", 0.5},
                                            {"frequency_penalty", -0.5},
                                            {"response_format", {{"type", "json_object"}}},
                                            {"extra", {{"repeat_penalty", 1.1}}}});
    CHECK(s.providers[2].id == "openai:gpt-4o-mini");
    CHECK(s.providers[2].label == "openai:gpt-4o-mini");
}

TEST_CASE("eval_spec: every metric entry shorthand", "[eval_spec]") {
    EvalSpec s = eval_spec_of(kHead + R"(metrics:
  - is_json
  - contains: Paris
  - contains_any: [Paris, Lyon]
  - latency: {threshold: 2000}
  - not_contains:
  - regex: {pattern: "^[A-Z]", label: capital}
  - max_tokens_used: 0
)");
    REQUIRE(s.metrics.size() == 7);
    CHECK(s.metrics[0].name == "is_json");
    CHECK(s.metrics[0].params == json::object());
    CHECK(s.metrics[1].params == json{{"value", "Paris"}});
    CHECK(s.metrics[2].params == json{{"value", {"Paris", "Lyon"}}});
    CHECK(s.metrics[3].params == json::object());
    CHECK(s.metrics[3].threshold == 2000);
    CHECK(s.metrics[4].name == "not_contains");
    CHECK(s.metrics[4].params == json::object()); // `name:` with nothing after it
    CHECK(s.metrics[5].params == json{{"pattern", "^[A-Z]"}});
    CHECK(s.metrics[5].label == "capital");
    CHECK(s.metrics[6].params == json{{"value", 0}}); // a scalar that is falsy is still a value
    CHECK(s.metrics[2].where.to_string() == "eval.yaml:7:5");
}

TEST_CASE("eval_spec: repeated metrics get numbered labels", "[eval_spec]") {
    EvalSpec s = eval_spec_of(kHead + R"(metrics:
  - contains: a
  - contains: b
  - contains: {value: c, label: contains#2}
  - contains: d
cases:
  - {id: 1, vars: {q: x}, metrics: [contains: e, {rouge_l: {expected: f}}]}
  - {id: 2, vars: {q: y}, metrics: [{contains: {value: g, label: mine}}]}
thresholds:
  contains#3: {pass_rate: 1}
  contains#5: {mean: 1}
  rouge_l: {p95: 0.5}
  mine: {min: 1}
)");
    // The explicit label is claimed first; the unlabelled ones take the free names in order.
    CHECK(labels_of(s.metrics) ==
          std::vector<std::string>{"contains", "contains#3", "contains#2", "contains#4"});
    REQUIRE(s.cases.size() == 2);
    // A case's metrics are labelled after the spec-wide ones, so each case's list is unique.
    CHECK(labels_of(s.cases[0].metrics) == std::vector<std::string>{"contains#5", "rouge_l"});
    CHECK(labels_of(s.cases[1].metrics) == std::vector<std::string>{"mine"});
    CHECK(s.thresholds.size() == 4);
}

TEST_CASE("eval_spec: inline cases", "[eval_spec]") {
    EvalSpec s = eval_spec_of(R"(prompts: qa-answer
providers: [default]
cases:
  - id: paris
    vars: {question: "Capital of France?", answer: Paris}
    metrics: [contains: Paris]
  - vars: {question: "2+2?"}
  - {id: 7, vars: {}}
)");
    CHECK(s.dataset.empty());
    CHECK_FALSE(s.dataset_file);
    REQUIRE(s.cases.size() == 3);
    CHECK(s.cases[0].id == "paris");
    CHECK(s.cases[0].vars == json{{"question", "Capital of France?"}, {"answer", "Paris"}});
    REQUIRE(s.cases[0].metrics.size() == 1);
    CHECK(s.cases[0].metrics[0].params == json{{"value", "Paris"}});
    CHECK(s.cases[0].where.to_string() == "eval.yaml:4:5");
    CHECK(s.cases[1].id == "case-2");
    CHECK(s.cases[1].metrics.empty());
    CHECK(s.cases[2].id == "7");
}

TEST_CASE("eval_spec: retrieve vars are taken out of vars", "[eval_spec]") {
    EvalSpec s = eval_spec_of(kHead + R"(vars:
  question: "{{question}}"
  top: 3
  context: {retrieve: {index: docs, query: "{{question}} {{topic}}", k: 8}}
  more:
    retrieve: {index: faq, query: "{{question}}"}
  literal: {a: [1, 2]}
)");
    CHECK(s.vars == json{{"question", "{{question}}"}, {"top", 3}, {"literal", {{"a", {1, 2}}}}});
    REQUIRE(s.retrieve.size() == 2);
    // Sorted by variable name, as JSON objects are.
    CHECK(s.retrieve[0].variable == "context");
    CHECK(s.retrieve[0].index == "docs");
    CHECK(s.retrieve[0].query == "{{question}} {{topic}}");
    CHECK(s.retrieve[0].k == 8);
    CHECK(s.retrieve[0].where.to_string() == "eval.yaml:7:23");
    CHECK(s.retrieve[1].variable == "more");
    CHECK(s.retrieve[1].index == "faq");
    CHECK(s.retrieve[1].k == 5);
    CHECK(s.retrieve[1].where.to_string() == "eval.yaml:9:15");
}

TEST_CASE("eval_spec: a dataset file is resolved against the spec's folder", "[eval_spec]") {
    testing::TempDir dir;
    fs::create_directories(dir.path() / "evals" / "data");
    write_text(dir.path() / "evals" / "data" / "qa.jsonl", "{\"id\": 1}\n");
    write_text(dir.path() / "evals" / "golden.csv", "id\n1\n");
    fs::path spec_file = dir.path() / "evals" / "qa.yaml";

    write_text(spec_file, "dataset: data/qa.jsonl\nprompts: p\nproviders: [echo]\n");
    EvalSpec s = load_eval_spec(spec_file);
    CHECK(s.source == spec_file.string());
    CHECK(s.dataset == "data/qa.jsonl");
    REQUIRE(s.dataset_file);
    CHECK(*s.dataset_file == (dir.path() / "evals" / "data" / "qa.jsonl").lexically_normal());

    // A bare name with a data suffix is a file too; an absolute path stays as it is.
    write_text(spec_file, "dataset: golden.CSV\nprompts: p\nproviders: [echo]\n");
    CHECK_THROWS_WITH(load_eval_spec(spec_file), Catch::Contains("no such file"));
    write_text(spec_file, "dataset: golden.csv\nprompts: p\nproviders: [echo]\n");
    CHECK(load_eval_spec(spec_file).dataset_file == dir.path() / "evals" / "golden.csv");
    std::string absolute = (dir.path() / "evals" / "data" / "qa.jsonl").string();
    write_text(spec_file, "dataset: " + absolute + "\nprompts: p\nproviders: [echo]\n");
    CHECK(load_eval_spec(spec_file).dataset_file == fs::path(absolute));

    // The same spec from another folder: the error names the resolved path and the value.
    write_text(spec_file, "prompts: p\nproviders: [echo]\ndataset: ../data/qa.jsonl\n");
    try {
        load_eval_spec(spec_file);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK_THAT(e.message(), Catch::Contains((dir.path() / "data" / "qa.jsonl").string()) &&
                                    Catch::Contains("relative to the spec's folder"));
        CHECK(e.where().file == spec_file.string());
        CHECK(e.where().line == 3);
        CHECK(e.where().column == 10);
    }
}

TEST_CASE("eval_spec: the bad-spec corpus", "[eval_spec]") {
    struct BadSpec {
        std::string file;
        std::string message; // a part of the message
        long line;
        long column;
    };
    // tests/data/bad-eval/README.md lists the same cases.
    const std::vector<BadSpec> corpus = {
        {"unknown_field.yaml", "/metric: property not allowed; did you mean 'metrics'?", 6, 3},
        {"wrong_type.yaml", "/concurrency: must be integer, got string", 4, 14},
        {"wrong_parameter_type.yaml", "/providers/1/temperature: must be number, got string", 5,
         45},
        {"bad_threshold_reference.yaml",
         "thresholds: 'rouge' is not a metric label (labels: 'exact_match', 'rouge_l'); "
         "'pass_rate' is the overall pass rate; did you mean 'rouge_l'?",
         9, 10},
        {"duplicate_metric_label.yaml",
         "metrics: the label 'overlap' is used twice (first at duplicate_metric_label.yaml:5:5)", 6,
         43},
        {"duplicate_provider_label.yaml",
         "providers: two entries are labelled 'local:llama3' (the first at "
         "duplicate_provider_label.yaml:4:5); give them different 'label:' values",
         5, 5},
        {"bad_retrieve_k.yaml", "/vars/context/retrieve/k: must be >= 1", 6, 63},
        {"empty_prompts.yaml", "/prompts: must have at least 1 items", 2, 10},
        {"no_dataset_or_cases.yaml",
         "an eval spec needs 'dataset' (a dataset reference or a data file) or inline 'cases'", 1,
         1},
        {"missing_dataset_file.yaml", "dataset: no such file 'data/missing.jsonl'", 1, 10},
        {"bad_dataset_reference.yaml", "dataset: invalid dataset name 'qa answers'", 1, 10},
        {"bad_var_template.yaml",
         "vars.question: invalid template: unclosed section 'question' opened at 1:4 "
         "(template line 1, column 4)",
         5, 13},
        {"unknown_threshold_statistic.yaml", "/thresholds/rouge_l/median: property not allowed", 6,
         21},
        {"pass_rate_out_of_range.yaml", "/thresholds/pass_rate: must be <= 1", 4, 25},
        {"metric_entry_two_keys.yaml",
         "/metrics/0: a metric entry is one name with its parameters under it (`- rouge_l: "
         "{expected: ...}`), but this one has 2 keys: 'expected', 'rouge_l'; indent the "
         "parameters below the name",
         5, 5},
        {"duplicate_case_id.yaml",
         "cases: the id 'paris' is used twice (first at duplicate_case_id.yaml:4:10)", 5, 10},
        {"duplicate_prompt.yaml",
         "prompts: 'qa-answer@production' is listed twice (first at duplicate_prompt.yaml:3:5)", 4,
         5},
        {"case_without_vars.yaml", "/cases/0: missing required property 'vars'", 4, 5},
        {"reserved_metric_label.yaml",
         "metrics: the label 'pass_rate' is reserved for the overall pass rate", 5, 50},
    };
    // Every file of the corpus is checked here, and every case here has its file.
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(bad_eval_dir()))
        if (entry.path().extension() == ".yaml") files.insert(entry.path().filename().string());
    std::set<std::string> listed;
    for (const auto& bad : corpus)
        listed.insert(bad.file);
    CHECK(files == listed);

    for (const auto& bad : corpus) {
        INFO(bad.file);
        try {
            // Named by the file name alone, so that locations read "file.yaml:line:column".
            parse_eval_spec(read_file(bad_eval_dir() / bad.file), bad.file);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::BadInput);
            CHECK_THAT(e.message(), Catch::Contains(bad.message));
            CHECK(e.where().file == bad.file);
            CHECK(e.where().line == bad.line);
            CHECK(e.where().column == bad.column);
        }
    }
}

TEST_CASE("eval_spec: more bad inputs", "[eval_spec]") {
    CHECK_THAT(spec_error_of(""), Catch::Contains("must be object, got null"));
    CHECK_THAT(spec_error_of("dataset: qa\nproviders: [default]\n"),
               Catch::Contains("missing required property 'prompts'"));
    CHECK_THAT(spec_error_of(kHead + "metrics: [42]\n"),
               Catch::Contains("/metrics/0: must be string or object, got integer") &&
                   Catch::Contains("eval.yaml:4:11"));
    CHECK_THAT(spec_error_of(kHead + "cases: [{vars: {}, metrics: [{a: 1, b: 2}]}]\n"),
               Catch::Contains("/cases/0/metrics/0: a metric entry is one name") &&
                   Catch::Contains("eval.yaml:4:30"));
    CHECK_THAT(spec_error_of(kHead + "metrics: [{}]\n"),
               Catch::Contains("/metrics/0: must have at least 1 properties"));
    CHECK_THAT(spec_error_of(kHead + "metrics: [{rouge_l: {threshold: high}}]\n"),
               Catch::Contains("/metrics/0/rouge_l/threshold: must be number, got string"));
    CHECK_THAT(spec_error_of(kHead + "vars: {context: {retrieve: {query: x}}}\n"),
               Catch::Contains("missing required property 'index'"));
    CHECK_THAT(spec_error_of(kHead + "vars: {context: {retrieve: {index: d, query: x}, k: 3}}\n"),
               Catch::Contains("/vars/context/k: property not allowed"));
    CHECK_THAT(spec_error_of(kHead + "vars: {context: {retrieve: {index: d, query: x, k: 2.5}}}\n"),
               Catch::Contains("/vars/context/retrieve/k: must be integer, got number"));
    CHECK_THAT(spec_error_of(kHead + "vars: {context: {retrieve: {index: d, query: '{{/x}}'}}}\n"),
               Catch::Contains("vars.context.retrieve.query: invalid template") &&
                   Catch::Contains("eval.yaml:4:"));
    CHECK_THAT(spec_error_of(kHead + "vars: {'bad name': x}\n"),
               Catch::Contains("invalid property name"));
    CHECK_THAT(spec_error_of(kHead + "concurrency: 0\n"), Catch::Contains("must be >= 1"));
    CHECK_THAT(spec_error_of(kHead + "concurrency: 5000\n"), Catch::Contains("must be <= 1024"));
    CHECK_THAT(spec_error_of(kHead + "limit: 0\n"), Catch::Contains("/limit: must be >= 1"));
    CHECK_THAT(spec_error_of(kHead + "thresholds: {latency: {p95: 2000}}\n"),
               Catch::Contains("'latency' is not a metric label (the spec has no metrics)"));
    CHECK_THAT(spec_error_of(kHead + "thresholds: {pass_rate: {mean: 1}}\n"),
               Catch::Contains("/thresholds/pass_rate: must be number, got object"));
    CHECK_THAT(spec_error_of(kHead + "thresholds: {rouge_l: {}}\n"),
               Catch::Contains("/thresholds/rouge_l: must have at least 1 properties"));
    CHECK_THAT(spec_error_of("dataset: qa\nprompts: p\nproviders: [{model: m}]\n"),
               Catch::Contains("/providers/0: missing required property 'id'"));
    CHECK_THAT(spec_error_of("dataset: qa\nprompts: p\nproviders: [{id: x, temprature: 1}]\n"),
               Catch::Contains("/providers/0/temprature: property not allowed"));
    CHECK_THAT(spec_error_of("dataset: qa\nprompts: p\nproviders: []\n"),
               Catch::Contains("/providers: must have at least 1 items"));
    CHECK_THAT(spec_error_of("dataset: 'qa@'\nprompts: p\nproviders: [x]\n"),
               Catch::Contains("dataset: empty version after '@'"));
    CHECK_THAT(spec_error_of(kHead + "cases: [{vars: {}, expected: x}]\n"),
               Catch::Contains("/cases/0/expected: property not allowed"));
    // Explicit labels may not collide across a case and the spec either.
    CHECK_THAT(spec_error_of(kHead + "metrics: [contains: a]\n"
                                     "cases: [{vars: {}, metrics: [{equals: {value: b, label: "
                                     "contains}}]}]\n"),
               Catch::Contains("the label 'contains' is used twice (first at eval.yaml:4:11)") &&
                   Catch::Contains("eval.yaml:5:"));
}

TEST_CASE("eval_spec: the hash ignores key order, spelling and whitespace", "[eval_spec]") {
    std::string reordered = R"(
concurrency: 16
thresholds:
  rouge_l: {mean: 0.60}
  pass_rate: 0.9

metrics:
  - exact_match:
      normalize: true
      expected: '{{answer}}'
  - rouge_l: {threshold: 0.5, expected: "{{answer}}"}
  - judge: {threshold: 4.0, provider: default, criterion: groundedness}
vars:
  context: "{{context}}"
  question: "{{question}}"
providers:
  - default
  - model: llama3
    id: local
prompts: ["qa-answer@production", 'qa-answer@latest']
dataset: qa@latest
description: "QA regression"   # same text, quoted
)";
    EvalSpec a = eval_spec_of(kIssueExample);
    EvalSpec b = parse_eval_spec(reordered, "elsewhere/other.yaml");
    CHECK(a.hash == b.hash);
    CHECK(a.hash == eval_spec_of(kIssueExample).hash);
    CHECK(a.document == b.document);

    // Any change of meaning changes it: a value, a list's order.
    std::string changed = kIssueExample;
    changed.replace(changed.find("concurrency: 16"), 15, "concurrency: 8");
    CHECK(eval_spec_of(changed).hash != a.hash);
    std::string swapped = kIssueExample;
    swapped.replace(swapped.find("[qa-answer@production, qa-answer@latest]"), 40,
                    "[qa-answer@latest, qa-answer@production]");
    CHECK(eval_spec_of(swapped).hash != a.hash);
}

TEST_CASE("eval_spec: thresholds scoped to prompts and providers", "[eval_spec]") {
    EvalSpec spec = eval_spec_of("dataset: qa@latest\nprompts: [qa@1, qa@2]\n"
                                 "providers: [a, {id: b, label: bee}]\n"
                                 "metrics: [contains: x]\n"
                                 "thresholds:\n"
                                 "  - pass_rate: 0.5\n"
                                 "  - prompt: qa@2\n"
                                 "    pass_rate: 0.9\n"
                                 "    contains: {mean: 0.8}\n"
                                 "  - provider: bee\n"
                                 "    pass_rate: 0.7\n");
    REQUIRE(spec.thresholds.size() == 4);
    CHECK(spec.threshold_cells(spec.thresholds[0]).empty()); // every cell
    CHECK(spec.thresholds[1].prompt == "qa@2");
    CHECK(spec.threshold_cells(spec.thresholds[1]) == std::vector<int>{2, 3});
    CHECK(spec.threshold_cells(spec.thresholds[2]) == std::vector<int>{2, 3});
    CHECK(spec.thresholds[1].metric == "contains"); // keys in order: contains, pass_rate
    CHECK(spec.thresholds[2].statistic == "pass_rate");
    CHECK(spec.threshold_cells(spec.thresholds[3]) == std::vector<int>{1, 3});

    CHECK(spec_error_of(kHead + "thresholds:\n  - prompt: qa-other\n    pass_rate: 1\n") ==
          "thresholds: prompt 'qa-other' is not in 'prompts' ('qa-answer') (eval.yaml:5:13)");
    CHECK(spec_error_of(kHead + "thresholds:\n  - provider: nope\n    pass_rate: 1\n") ==
          "thresholds: provider 'nope' is not in 'providers' ('default') (eval.yaml:5:15)");
    CHECK(spec_error_of(kHead + "thresholds:\n  - prompt: 3\n") != "no error");
}

TEST_CASE("eval_spec: a baseline pairs each cell with its baseline cell", "[eval_spec]") {
    const std::string head = "dataset: qa@latest\nprompts: [qa@1, qa@2, qa@3]\n"
                             "providers: [a, b]\n";
    // Cells: qa@1×a 0, qa@1×b 1, qa@2×a 2, qa@2×b 3, qa@3×a 4, qa@3×b 5.
    using Pairs = std::vector<std::pair<int, int>>;
    CHECK(eval_spec_of(head + "baseline: qa@1\n").baseline_pairs() ==
          Pairs{{0, 2}, {1, 3}, {0, 4}, {1, 5}});
    CHECK(eval_spec_of(head + "baseline: {prompt: qa@2}\n").baseline_pairs() ==
          Pairs{{2, 0}, {3, 1}, {2, 4}, {3, 5}});
    CHECK(eval_spec_of(head + "baseline: {provider: a}\n").baseline_pairs() ==
          Pairs{{0, 1}, {2, 3}, {4, 5}});
    CHECK(eval_spec_of(head + "baseline: {prompt: qa@1, provider: b}\n").baseline_pairs() ==
          Pairs{{1, 0}, {1, 2}, {1, 3}, {1, 4}, {1, 5}});
    CHECK(eval_spec_of(head).baseline_pairs().empty());

    CHECK(spec_error_of(head + "baseline: qa@9\n") ==
          "baseline: prompt 'qa@9' is not in 'prompts' ('qa@1', 'qa@2', 'qa@3') (eval.yaml:4:11)");
    CHECK(spec_error_of(head + "baseline: {provider: c}\n") ==
          "baseline: provider 'c' is not in 'providers' ('a', 'b') (eval.yaml:4:22)");
    CHECK(spec_error_of(kHead + "baseline: qa-answer\n") ==
          "baseline: there is no other cell to compare with it (the matrix has 1 cell) "
          "(eval.yaml:4:11)");
    CHECK(spec_error_of(head + "baseline: {}\n") != "no error");
    CHECK(spec_error_of(head + "baseline: {prompt: qa@1, model: x}\n") != "no error");
}
