#pragma once
// An eval spec (YAML, schemas/eval.schema.json): which cases, which prompts and providers form
// the matrix, how row fields become prompt variables, which metrics score every case, the
// thresholds that make `eval run` exit 1 (for every cell, or some), and the baseline the cells
// are compared with. Reference: docs/eval-spec.md.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "json/yaml_document.hpp"

namespace llmops::eval {

// One entry of `metrics:`, e.g. `- rouge_l: {expected: "{{answer}}", threshold: 0.5}`.
struct MetricSpec {
    std::string name;                                 // "rouge_l", "judge", ...
    nlohmann::json params = nlohmann::json::object(); // the mapping under the name, minus
                                                      // `threshold` and `label`; a scalar or
                                                      // list X is {"value": X}; none is {}
    std::optional<double> threshold;
    // Distinguishes two entries of one metric (`label:`); defaults to the name, then
    // "name#2", "name#3" for repeats. Thresholds and reports refer to metrics by label.
    std::string label;
    ErrorLocation where; // the entry in the spec file
};

// One entry of `providers:`: an id from llmops.yaml or an inline id, optionally with
// overrides ({id: local, model: llama3, temperature: 0}).
struct ProviderEntry {
    std::string id;
    std::string model;                                    // empty = the provider's own
    nlohmann::json parameters = nlohmann::json::object(); // sampling overrides
    std::string label; // `label:`, else id (+ ":" + model when overridden)
    ErrorLocation where;
};

// A prompt variable filled from a retrieval index:
// `vars: {context: {retrieve: {index: docs, query: "{{question}}", k: 5}}}`.
// The variable becomes an array of {"id", "text", "score"} objects, best first.
struct RetrieveSpec {
    std::string variable;
    std::string index;
    std::string query; // a Mustache template over the case's fields
    int k = 5;
    ErrorLocation where;
};

// An inline case under `cases:`: its own variables and extra metrics.
struct CaseSpec {
    std::string id;                                 // `id:` (an integer as its digits), else
                                                    // "case-N", N its 1-based position
    nlohmann::json vars = nlohmann::json::object(); // the case's fields
    std::vector<MetricSpec> metrics;                // added to the spec-wide ones
    ErrorLocation where;
};

// One requirement of `thresholds:`. `pass_rate: 0.9` is {metric "", statistic "pass_rate"};
// `rouge_l: {mean: 0.6}` is {metric "rouge_l", statistic "mean"}. Statistics: mean, min,
// max, p50, p95, pass_rate. Lower-is-better metrics (latency, cost, token_count) read the
// value as an upper bound, the others as a lower bound.
// In the list form of `thresholds:` an entry may be scoped to some cells with `prompt:` (as
// written in `prompts:`) and/or `provider:` (a provider's label); unscoped = every cell.
struct ThresholdSpec {
    std::string metric;
    std::string statistic;
    double value = 0;
    ErrorLocation where;
    std::string prompt;   // "" = any
    std::string provider; // "" = any
};

// `baseline:` the cells the others are reported against. `prompt` alone: each cell against the
// baseline prompt's cell on the same provider; `provider` alone: against the same prompt on
// the baseline provider; both: every cell against that one cell.
struct BaselineSpec {
    std::string prompt;   // as written in `prompts:`; "" = the cell's own
    std::string provider; // a provider label; "" = the cell's own
    ErrorLocation where;
};

struct EvalSpec {
    std::string description;
    // `dataset:` a dataset reference (qa@latest) or, when it names a file (a path with '/' or
    // a .jsonl/.ndjson/.csv/.json suffix), that file (or folder of them) read directly:
    // dataset_file is then the path resolved against the spec file's folder, and exists.
    // Empty when the spec has only inline `cases`.
    std::string dataset;
    std::optional<std::filesystem::path> dataset_file;
    std::string id_field = "id"; // `case_id:` the row field that identifies a case
    std::vector<std::string> prompts;
    std::vector<ErrorLocation> prompt_locations;
    std::vector<ProviderEntry> providers;
    // `vars:` variable name -> a value; strings are Mustache templates over the row's fields,
    // other values are used as they are. Empty = the row's fields are the variables.
    nlohmann::json vars = nlohmann::json::object();
    std::vector<RetrieveSpec> retrieve; // the vars that are retrievals (not in `vars`)
    std::vector<MetricSpec> metrics;
    std::vector<CaseSpec> cases;
    std::vector<ThresholdSpec> thresholds;
    std::optional<BaselineSpec> baseline;
    std::optional<std::size_t> concurrency;
    std::optional<long> limit;

    std::string source;      // the spec file as given
    std::string hash;        // 32 hex digits (XXH3-128) of the canonical JSON of `document`
                             // (canonical_json: sorted keys, numbers by value)
    nlohmann::json document; // the spec as JSON (stored with the eval run)
    YamlDocument yaml;       // for locating later (semantic) errors

    // The matrix: cell p × providers.size() + v is prompt p on provider v.
    std::size_t cell_count() const { return prompts.size() * providers.size(); }
    int cell_index(std::size_t prompt, std::size_t provider) const {
        return static_cast<int>(prompt * providers.size() + provider);
    }
    // The cells a threshold applies to; empty = every cell.
    std::vector<int> threshold_cells(const ThresholdSpec& threshold) const;
    // (baseline cell, cell) for every cell `baseline:` compares; empty without one.
    std::vector<std::pair<int, int>> baseline_pairs() const;
};

// Parses and checks a spec against schemas/eval.schema.json and the rules above. Throws
// Error(BadInput) with file:line:column. Metric names and their parameters are checked by
// the metric registry (make_metric), which the runner calls before any request.
EvalSpec parse_eval_spec(std::string_view yaml_text, std::string source_name);
EvalSpec load_eval_spec(const std::filesystem::path& path);

// The embedded copy of schemas/eval.schema.json.
std::string_view eval_schema_text();

} // namespace llmops::eval
