#pragma once
// Deployment environments: the `environments:` map of llmops.yaml, each with its gates, the
// environments a candidate must already be live in, and a default canary weight.
// Reference: docs/deploy.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "json/yaml_document.hpp"

namespace llmops::deploy {

enum class GateKind { Eval, NoRegression, MinCases };

struct Gate {
    GateKind kind = GateKind::Eval;
    std::filesystem::path spec; // eval and no_regression: the eval spec, resolved
    std::string spec_text;      // as written in llmops.yaml
    // no_regression: the metric labels compared ("pass" = the case verdict); empty = all.
    std::vector<std::string> metrics;
    double alpha = 0.05;
    // no_regression, as MLflow's MetricThreshold: the candidate must improve on the live
    // release by at least this much (absolute, or relative to the live mean) on each metric.
    std::optional<double> min_absolute_change;
    std::optional<double> min_relative_change;
    std::int64_t min_cases = 0; // min_cases
    ErrorLocation where;

    std::string name() const; // "eval evals/qa.yaml", "no_regression evals/qa.yaml", ...
};

// How `deploy check` judges a canary against its stable release, and whether `serve` runs the
// check on a schedule (the `canary_policy:` block). Reference: docs/deploy.md, "deploy check".
struct CanaryPolicy {
    std::int64_t min_requests = 100; // per arm; fewer in either arm: hold
    double alpha = 0.05;             // significance level of every test
    // How much worse the canary may be before a significant difference rolls it back:
    double max_error_rate_increase = 0; // absolute, on the error rate (0.01 = 1 point)
    double max_latency_increase = 0;    // relative, on the p95 latency (0.1 = 10%)
    double max_cost_increase = 0;       // relative, on the mean cost per request
    double max_feedback_decrease = 0;   // absolute, on the mean of each feedback score
    std::optional<double> schedule_s;   // serve runs the check this often (seconds)
    bool auto_apply = false;            // and applies its verdict (promote, rollback)
    ErrorLocation where;                // of the block, when written
};

struct Environment {
    std::string name;
    std::string description;
    std::vector<Gate> gates;
    std::vector<std::string> requires_live; // environments the candidate must be live in
    std::optional<double> canary_percent;   // the default weight of `deploy --canary`
    CanaryPolicy canary_policy;             // defaults when the block is absent
};

struct EnvironmentCatalog {
    std::map<std::string, Environment> environments;
    // Throws Error(Usage) naming the environment, with a "did you mean" when one is close.
    const Environment& get(const std::string& name) const;
};

// Reads `environments:` (other keys belong to others); gate spec paths are resolved against
// `project_root`. Throws Error(BadInput) at file:line:column for anything malformed, including
// `requires:` naming an unknown environment or a cycle.
EnvironmentCatalog parse_environments(const YamlDocument& document,
                                      const std::filesystem::path& project_root);
// load_yaml_file + parse; a missing file gives no environments.
EnvironmentCatalog load_environments(const std::filesystem::path& config_file);

} // namespace llmops::deploy
