#pragma once
// Canary analysis (`llmops deploy check`): the requests a canary release served since it
// started, compared with those its stable release served in the same window, from the
// gateway's request log (request_log, request_feedback). Error rate (two-proportion z test, or
// Fisher's exact test when counts are small), latency and cost per request (Mann–Whitney U),
// each feedback score (Mann–Whitney U); the verdict is promote, hold (too little data) or
// rollback. Reference: docs/deploy.md, "deploy check".
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deploy_store.hpp"
#include "deploy/deployer.hpp"
#include "deploy/environments.hpp"
#include "store/project.hpp"

namespace llmops::deploy {

struct FeedbackFigures {
    std::size_t count = 0;
    double mean = 0;
};

// What one release (an arm) served since the canary started.
struct ArmFigures {
    Release release;
    std::int64_t requests = 0; // answered, or failed on the server's side (see errors)
    std::int64_t errors = 0;   // status 5xx, or an upstream error kind (a failed stream)
    double error_rate = 0;
    std::vector<double> latency_ms; // total latency of each request without error
    std::optional<double> latency_p50_ms, latency_p95_ms, latency_p99_ms;
    std::vector<double> cost_usd; // per request
    double cost_per_request = 0;
    std::map<std::string, std::vector<double>> feedback; // numeric and boolean scores, by name
};

// One comparison of the canary with its stable release.
struct CanaryComparison {
    std::string metric; // "error_rate", "latency", "cost", "feedback NAME"
    std::string test;   // "two-proportion z", "Fisher exact", "Mann-Whitney U", "" (not tested)
    bool tested = false;
    double statistic = 0; // z, the odds ratio (Fisher), or U of the canary
    double p_value = 1;
    double stable_value = 0; // the figure compared: rate, p95 ms, mean cost, mean score
    double canary_value = 0;
    bool canary_worse = false; // the canary's direction is the bad one
    bool significant = false;  // p < alpha
    bool beyond_tolerance = false;
    bool failed = false; // significant, worse and beyond the policy's tolerance
    std::string detail;  // one line with the figures
};

struct CanaryAnalysis {
    Traffic traffic;   // as read, with its generation (record_canary_verdict checks it)
    std::string since; // when the canary started (the traffic change that made it the canary)
    std::string until; // when the log was read
    CanaryPolicy policy;
    ArmFigures stable;
    ArmFigures canary;
    std::vector<CanaryComparison> comparisons;
    std::string verdict; // promote, hold, rollback
    std::string reason;  // one line
};

// Reads the log and judges. Throws Error(Usage) when the route has nothing deployed or no
// canary.
CanaryAnalysis analyse_canary(store::Database& db, const std::string& env, const std::string& route,
                              const CanaryPolicy& policy);

struct CanaryCheckResult {
    CanaryAnalysis analysis;
    bool applied = false;
    std::int64_t attempt_id = 0;         // when recorded
    std::optional<TrafficChange> change; // when promoted or rolled back
};

// `deploy check ENV [--route R] [--auto]`: analyses with the environment's policy; with
// `apply`, records the verdict in the deploy history and carries it out (promote, rollback),
// unless it is a hold and `record_hold` is false (serve's schedule records only changes).
CanaryCheckResult check_canary(store::Project& project, const Environment& env,
                               const std::string& route, bool apply, bool record_hold = true);

// The evidence stored with the attempt: one entry per comparison, in the gate results' shape
// ({gate, passed, detail, figures}), after one for the requests each arm has.
nlohmann::json canary_evidence_to_json(const CanaryAnalysis& analysis);
// `deploy check --json`.
nlohmann::json canary_check_to_json(const CanaryCheckResult& result);

} // namespace llmops::deploy
