#pragma once
// `llmops deploy` and its subcommands: gate a candidate and make it live in an environment,
// move traffic (canary, ramp, promote, rollback), and answer what is and was live. Every
// attempt is recorded, whatever its outcome. Reference: docs/deploy.md.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/candidate.hpp"
#include "deploy/deploy_store.hpp"
#include "deploy/environments.hpp"
#include "deploy/gates.hpp"
#include "store/project.hpp"

namespace llmops::deploy {

struct DeployRequest {
    std::string prompt_ref;
    std::string env;
    std::string provider_id;
    std::string route; // "" = the prompt's name
    std::optional<double> canary_percent;
    bool dry_run = false;
    bool force = false;  // go live even when gates fail; needs a message
    std::string message; // -m
    GateOptions gates;
};

struct DeployResult {
    std::string env;
    Candidate candidate;
    std::optional<Release> live_before; // the stable release before this attempt
    GateRun gates;
    std::string outcome;            // passed, blocked, forced, dry-run
    std::optional<Release> release; // created (passed or forced)
    bool reused_release = false;    // the candidate was already live: no new release
    std::optional<double> canary_percent;
    std::int64_t attempt_id = 0;
    bool live_changed = false;
};

// Who and where: $USER, and CI variables (GITHUB_ACTOR, GITHUB_SHA, ...) when present.
struct Actor {
    std::string name;
    nlohmann::json ci = nlohmann::json::object();
};
Actor current_actor();

// Checks the request (environment, prompt, provider, canary) before anything runs, runs the
// gates, and on success records the release and moves the label and traffic in one write
// transaction. Throws Error(CheckFailed) when another deploy changed the route meanwhile
// (naming it), after recording this attempt as superseded.
DeployResult deploy(store::Project& project, const EnvironmentCatalog& environments,
                    const DeployRequest& request);

struct TrafficChange {
    std::string action; // rollback, promote, ramp
    Traffic before;
    Traffic after;
    std::int64_t attempt_id = 0;
};

// No gates, recorded. `to` = a release number; default: drop the canary if there is one,
// else the stable release that was live before the current one.
TrafficChange rollback(store::Project& project, const std::string& env, const std::string& route,
                       std::optional<std::int64_t> to, const std::string& message);
TrafficChange promote(store::Project& project, const std::string& env, const std::string& route,
                      const std::string& message);
TrafficChange ramp(store::Project& project, const std::string& env, const std::string& route,
                   double percent, const std::string& message);

// The verdict of a canary check recorded in the deploy history as one attempt (action
// "check", outcome the verdict, `evidence` in its gates field): "promote" gives the canary
// 100%, "rollback" drops it, "hold" moves nothing. `seen` is the traffic the analysis read;
// throws Error(CheckFailed) when the route changed since (its generation moved).
struct CanaryVerdictRecord {
    std::int64_t attempt_id = 0;
    std::optional<TrafficChange> change; // promote and rollback
};
CanaryVerdictRecord record_canary_verdict(store::Project& project, const Traffic& seen,
                                          const std::string& verdict, const std::string& message,
                                          const nlohmann::json& evidence);

struct RouteAnswer {
    Traffic traffic;
    std::uint32_t bucket = 0;
    bool canary = false;
    const Release& release() const { return canary ? *traffic.canary : traffic.stable; }
};
// Which release serves `user_key` on env / route now.
RouteAnswer route_for(store::Database& db, const std::string& env, const std::string& route,
                      const std::string& user_key);

// A route name when the environment has exactly one, for commands where --route is optional.
std::string only_route(store::Database& db, const std::string& env);

// "2026-12-05T14:02", "2026-12-05 14:02:30Z", "…+01:00", or a duration ago ("2h", "30m") as
// the stored UTC form; Error(Usage) when unparsable or in the future.
std::string parse_point_in_time(const std::string& text);

nlohmann::json release_to_json(const Release& release);
nlohmann::json traffic_to_json(const Traffic& traffic);
nlohmann::json attempt_to_json(const Attempt& attempt);
nlohmann::json deploy_result_to_json(const DeployResult& result);
nlohmann::json traffic_change_to_json(const TrafficChange& change);
// `deploy status`: the traffic of each route.
nlohmann::json traffic_list_to_json(const std::vector<Traffic>& traffic);
// `deploy history --at`: {"at", "live": [traffic]}.
nlohmann::json live_at_to_json(const std::string& at, const std::vector<Traffic>& live);
// `deploy history`: the attempts.
nlohmann::json attempts_to_json(const std::vector<Attempt>& attempts);
// `deploy route`: {"env", "route", "key", "bucket", "canary", "release"}.
nlohmann::json route_answer_to_json(const std::string& env, const std::string& route,
                                    const std::string& key, const RouteAnswer& answer);

} // namespace llmops::deploy
