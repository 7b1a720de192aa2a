#pragma once
// The cases of an eval: the rows of its dataset (a stored version, or a file read directly)
// followed by the spec's inline cases, and how each case's fields become prompt variables
// (`vars:` templates and retrievals). Reference: docs/eval-spec.md.
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

struct CaseSet {
    std::vector<StoredCase> cases;
    // Per case: the inline case's own metrics (empty for dataset rows).
    std::vector<std::vector<MetricSpec>> own_metrics;
    std::optional<std::int64_t> dataset_version_id;
    std::string data_source; // "qa@3", a file path, or "inline"
};

// Reads every case (up to `limit`). Throws Error(BadInput) for an unknown dataset or a bad
// file (file:line:column), located at the spec's `dataset` value where that helps.
CaseSet load_case_set(store::Project& project, const EvalSpec& spec, std::optional<long> limit);

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
