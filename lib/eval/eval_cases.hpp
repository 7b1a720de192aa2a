#pragma once
// The cases of an eval: the rows of its dataset (a stored version, or a file read directly)
// followed by the spec's inline cases, and how each case's fields become prompt variables
// (`vars:` templates and retrievals). Reference: docs/eval-spec.md.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/eval_spec.hpp"
#include "eval/eval_store.hpp"
#include "mustache/mustache.hpp"
#include "store/project.hpp"

namespace llmops::eval {

// Where the cases come from, resolved before anything is stored.
struct CaseOrigin {
    std::optional<std::int64_t> dataset_version_id;
    std::string dataset_ref; // the stored version, "qa@3"
    std::string data_source; // "qa@3", a file path, or "inline" (and " + inline")
};

// Resolves the spec's dataset. Throws Error(BadInput) for an unknown dataset, located at the
// spec's `dataset` value.
CaseOrigin resolve_case_origin(store::Project& project, const EvalSpec& spec);

struct ImportedCases {
    std::int64_t count = 0;
    std::int64_t dataset_rows = 0; // the inline cases follow them
};

// Reads the cases (dataset rows, then the spec's inline cases; up to `limit`) and records them
// as the cases of `eval_id` a batch at a time, so memory does not grow with the cases. Call it
// inside the transaction that creates the eval run: a bad row (file:line:column) throws and
// leaves nothing. `cancel` is polled between rows; once set, throws Error(Interrupted).
ImportedCases import_cases(store::Project& project, const EvalSpec& spec, const CaseOrigin& origin,
                           std::optional<long> limit, std::int64_t eval_id,
                           const std::atomic<bool>* cancel);

// The number of cases import_cases would record (the data is read; nothing is kept).
std::int64_t count_cases(store::Project& project, const EvalSpec& spec, const CaseOrigin& origin,
                         std::optional<long> limit);

// The case id: the row's `case_id` field (a string, or a number as its digits), else
// "case-N" with N the 1-based position.
std::string case_id_of(const nlohmann::json& fields, const std::string& id_field,
                       std::int64_t index);

// Top-k passages for a retrieval variable: [{"id", "text", "score"}] best first.
using Retriever = std::function<nlohmann::json(const RetrieveSpec& spec, const std::string& query)>;

// Turns a case's fields into prompt variables. Not thread-safe (one per thread).
class VariableMapper {
  public:
    // Compiles the `vars:` templates and retrieval queries once.
    VariableMapper(const EvalSpec& spec, Retriever retriever);

    // Without `vars:` the fields are the variables (plus retrievals). Throws Error(BadInput)
    // naming a field a template needs that the case lacks.
    nlohmann::json variables(const nlohmann::json& fields) const;

  private:
    struct MappedVariable {
        std::string name;
        std::optional<mustache::Template> text; // a string template
        nlohmann::json literal;                 // any other value
    };
    struct Retrieval {
        RetrieveSpec spec;
        mustache::Template query;
    };
    std::vector<MappedVariable> mapped_;
    std::vector<Retrieval> retrievals_;
    Retriever retriever_;
};

} // namespace llmops::eval
