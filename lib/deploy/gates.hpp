#pragma once
// Running an environment's gates against a candidate: eval specs whose thresholds must pass
// (with the candidate as the only prompt × provider cell), paired no-regression tests against
// the release live now, `requires:` and `min_cases`. Stored evidence is reused: an eval that
// already answered the same question is read, not run again. Reference: docs/deploy.md.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/candidate.hpp"
#include "deploy/environments.hpp"
#include "store/project.hpp"

namespace llmops::deploy {

struct GateResult {
    std::string name; // Gate::name(), or "requires staging"
    bool passed = false;
    std::string detail;                                // one line: the figures that decided it
    nlohmann::json figures = nlohmann::json::object(); // thresholds, comparisons, counts
    std::optional<std::int64_t> eval_id;               // the candidate's evidence
    bool reused = false;                               // read from the store, no request made
    std::optional<std::int64_t> baseline_eval_id;      // no_regression: the live release's
    bool baseline_reused = false;
};

struct GateOptions {
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(std::string_view)> log;      // verbose lines
    std::function<void(std::string_view)> progress; // "running eval evals/qa.yaml (candidate)"
};

struct GateRun {
    std::vector<GateResult> results;
    bool passed = false;      // every gate passed
    bool interrupted = false; // the cancel flag stopped an eval; results are incomplete
};

// `live` is what serves the route in `env` now (nullopt when nothing does). Runs every gate,
// even after one fails, so the report lists them all. Throws Error(BadInput) for a gate spec
// that is missing or malformed and Error(Provider) when a provider fails.
GateRun run_gates(store::Project& project, const Environment& env, const Candidate& candidate,
                  const std::optional<Release>& live, const GateOptions& options);

nlohmann::json gate_result_to_json(const GateResult& result);

} // namespace llmops::deploy
