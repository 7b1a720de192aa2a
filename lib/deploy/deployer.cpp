#include "deploy/deployer.hpp"

#include <cstdlib>
#include <fmt/format.h>

#include "core/error.hpp"
#include "deploy/traffic_split.hpp"
#include "prompt/prompt_registry.hpp"

namespace llmops::deploy {

namespace {

const char* env_or(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

std::string default_provider(store::Database& db, const std::string& env,
                             const std::string& route) {
    if (!route.empty())
        if (auto traffic = load_traffic(db, env, route)) return traffic->stable.provider_id;
    throw Error(ErrorKind::Usage,
                "deploy needs --provider (nothing is live on this route to "
                "take it from)",
                {}, "llmops deploy PROMPT --env ENV --provider NAME");
}

std::string superseded_message(const std::optional<Attempt>& winner, const std::string& env,
                               const std::string& route) {
    std::string who = "another deploy";
    if (winner)
        who = fmt::format(
            "{} #{} by {} at {}{}", winner->action, winner->id, winner->actor, winner->created_at,
            winner->release_number ? fmt::format(" (release {})", *winner->release_number)
                                   : std::string());
    return fmt::format("route '{}' in {} changed while the gates ran: {} won; the gates compared "
                       "against a release that is no longer live",
                       route, env, who);
}

// The stable release a rollback returns to: the last one live before the current stable.
std::optional<std::int64_t> previous_stable(store::Database& db, const Traffic& now) {
    store::Statement st = db.prepare(
        "SELECT stable_release_id FROM deploy_traffic_events WHERE env = ? AND route = ? "
        "AND stable_release_id != ? ORDER BY id DESC LIMIT 1");
    st.bind(1, now.env).bind(2, now.route).bind(3, now.stable.id);
    if (!st.step()) return std::nullopt;
    return st.column_int(0);
}

Traffic require_traffic(store::Database& db, const std::string& env, const std::string& route) {
    auto traffic = load_traffic(db, env, route);
    if (!traffic)
        throw Error(ErrorKind::Usage, "nothing is deployed to route '" + route + "' in " + env, {},
                    "see llmops deploy status");
    return *traffic;
}

// Records the change and moves the environment's label to the stable prompt version.
// `attempt` names the action and outcome ("rollback", "done"), and may name its release (else
// the one now live: the canary, or the stable); its weight, actor and message are filled in here.
TrafficChange apply_change(store::Project& project, store::Transaction& tx, Traffic before,
                           Attempt attempt, std::int64_t stable_id,
                           std::optional<std::int64_t> canary_id, double percent,
                           const std::string& message) {
    store::Database& db = project.db();
    Actor actor = current_actor();
    attempt.env = before.env;
    attempt.route = before.route;
    if (!attempt.release_id)
        attempt.release_id = canary_id ? canary_id : std::optional<std::int64_t>(stable_id);
    if (canary_id) attempt.canary_percent = percent;
    attempt.actor = actor.name;
    attempt.ci = actor.ci;
    attempt.message = message;
    TrafficChange change;
    change.action = attempt.action;
    change.attempt_id = record_attempt(db, attempt);
    set_traffic(db, before.env, before.route, stable_id, canary_id, percent, change.attempt_id);
    Release stable = load_release(db, stable_id);
    prompt::PromptRegistry(project).set_label(stable.prompt_ref, before.env, tx);
    change.before = std::move(before);
    change.after = *load_traffic(db, change.before.env, change.before.route);
    return change;
}

Attempt done(const std::string& action) {
    Attempt attempt;
    attempt.action = action;
    attempt.outcome = "done";
    return attempt;
}

} // namespace

Actor current_actor() {
    Actor actor;
    actor.name = env_or("GITHUB_ACTOR",
                        env_or("GITLAB_USER_LOGIN", env_or("USER", env_or("LOGNAME", "unknown"))));
    for (const char* name :
         {"GITHUB_ACTOR", "GITHUB_SHA", "GITHUB_REF", "GITHUB_REPOSITORY", "GITHUB_RUN_ID",
          "GITHUB_WORKFLOW", "GITLAB_USER_LOGIN", "CI_COMMIT_SHA", "CI_PIPELINE_ID", "CI_JOB_ID",
          "BUILDKITE_BUILD_NUMBER", "BUILDKITE_COMMIT"})
        if (const char* value = std::getenv(name); value && *value) actor.ci[name] = value;
    return actor;
}

DeployResult deploy(store::Project& project, const EnvironmentCatalog& environments,
                    const DeployRequest& request) {
    const Environment& env = environments.get(request.env);
    if (request.force && request.message.empty())
        throw Error(ErrorKind::Usage, "--force needs a message saying why (-m MSG)");
    if (request.force && request.dry_run)
        throw Error(ErrorKind::Usage, "--force and --dry-run do not go together");
    store::Database& db = project.db();

    std::string route = request.route;
    std::string provider_id = request.provider_id;
    if (provider_id.empty()) {
        std::string probe = route;
        if (probe.empty()) probe = prompt::parse_prompt_ref(request.prompt_ref).name;
        provider_id = default_provider(db, request.env, probe);
    }
    DeployResult result;
    result.env = request.env;
    result.candidate = make_candidate(project, request.prompt_ref, provider_id, route);
    const Candidate& candidate = result.candidate;

    std::optional<Traffic> before = load_traffic(db, request.env, candidate.route);
    if (before) result.live_before = before->stable;
    std::optional<double> canary = request.canary_percent;
    if (!canary && env.canary_percent && before) canary = env.canary_percent;
    if (canary) {
        weight_basis_points(*canary);
        if (!before)
            throw Error(ErrorKind::Usage,
                        "nothing is live on route '" + candidate.route + "' in " + request.env +
                            ": a canary needs a release to share the traffic with",
                        {}, "deploy without --canary first");
        if (*canary >= 100) canary.reset();
    }
    result.canary_percent = canary;

    result.gates = run_gates(project, env, candidate, result.live_before, request.gates);
    if (result.gates.interrupted) {
        result.outcome = "interrupted";
        return result;
    }
    result.outcome = request.dry_run       ? "dry-run"
                     : result.gates.passed ? "passed"
                     : request.force       ? "forced"
                                           : "blocked";
    bool go_live = result.outcome == "passed" || result.outcome == "forced";

    Actor actor = current_actor();
    Attempt attempt;
    attempt.env = request.env;
    attempt.route = candidate.route;
    attempt.action = "deploy";
    attempt.outcome = result.outcome;
    attempt.candidate = candidate.to_json();
    attempt.canary_percent = canary;
    attempt.actor = actor.name;
    attempt.ci = actor.ci;
    attempt.message = request.message;
    for (const auto& g : result.gates.results)
        attempt.gates.push_back(gate_result_to_json(g));

    store::Transaction tx(db);
    std::optional<Traffic> now = load_traffic(db, request.env, candidate.route);
    bool moved = now.has_value() != before.has_value() ||
                 (now && before && now->generation != before->generation);
    if (go_live && moved) {
        attempt.outcome = "superseded";
        result.attempt_id = record_attempt(db, attempt);
        tx.commit();
        throw Error(ErrorKind::CheckFailed,
                    superseded_message(last_traffic_change(db, request.env, candidate.route),
                                       request.env, candidate.route),
                    {}, "run the deploy again to gate against what is live now");
    }
    if (!go_live) {
        result.attempt_id = record_attempt(db, attempt);
        tx.commit();
        return result;
    }
    bool already_stable = now && now->stable.hash == candidate.hash && !now->canary;
    if (already_stable) {
        result.release = now->stable;
        result.reused_release = true;
        attempt.release_id = now->stable.id;
        result.attempt_id = record_attempt(db, attempt);
        tx.commit();
        return result;
    }
    result.release = insert_release(db, candidate.release_for(request.env));
    attempt.release_id = result.release->id;
    result.attempt_id = record_attempt(db, attempt);
    if (canary)
        set_traffic(db, request.env, candidate.route, now->stable.id, result.release->id, *canary,
                    result.attempt_id);
    else
        set_traffic(db, request.env, candidate.route, result.release->id, std::nullopt, 0,
                    result.attempt_id);
    if (!canary) prompt::PromptRegistry(project).set_label(candidate.prompt.ref(), request.env, tx);
    tx.commit();
    result.live_changed = true;
    return result;
}

TrafficChange rollback(store::Project& project, const std::string& env, const std::string& route,
                       std::optional<std::int64_t> to, const std::string& message) {
    store::Database& db = project.db();
    store::Transaction tx(db);
    Traffic before = require_traffic(db, env, route);
    std::int64_t target = before.stable.id;
    if (to) {
        target = find_release(db, env, route, *to).id;
    } else if (!before.canary) {
        auto previous = previous_stable(db, before);
        if (!previous)
            throw Error(ErrorKind::Usage,
                        "route '" + route + "' in " + env +
                            " has no earlier release to roll "
                            "back to",
                        {}, "see llmops deploy history " + env);
        target = *previous;
    }
    TrafficChange change = apply_change(project, tx, std::move(before), done("rollback"), target,
                                        std::nullopt, 0, message);
    tx.commit();
    return change;
}

TrafficChange promote(store::Project& project, const std::string& env, const std::string& route,
                      const std::string& message) {
    store::Database& db = project.db();
    store::Transaction tx(db);
    Traffic before = require_traffic(db, env, route);
    if (!before.canary)
        throw Error(ErrorKind::Usage, "route '" + route + "' in " + env +
                                          " has no canary to "
                                          "promote");
    std::int64_t target = before.canary->id;
    TrafficChange change = apply_change(project, tx, std::move(before), done("promote"), target,
                                        std::nullopt, 0, message);
    tx.commit();
    return change;
}

TrafficChange ramp(store::Project& project, const std::string& env, const std::string& route,
                   double percent, const std::string& message) {
    weight_basis_points(percent);
    store::Database& db = project.db();
    store::Transaction tx(db);
    Traffic before = require_traffic(db, env, route);
    if (!before.canary)
        throw Error(ErrorKind::Usage, "route '" + route + "' in " + env + " has no canary to ramp",
                    {}, "start one with llmops deploy PROMPT --env " + env + " --canary PCT");
    std::int64_t stable = before.stable.id;
    std::optional<std::int64_t> canary = before.canary->id;
    if (percent >= 100) {
        stable = *canary;
        canary.reset();
    }
    TrafficChange change = apply_change(project, tx, std::move(before), done("ramp"), stable,
                                        canary, canary ? percent : 0, message);
    tx.commit();
    return change;
}

CanaryVerdictRecord record_canary_verdict(store::Project& project, const Traffic& seen,
                                          const std::string& verdict, const std::string& message,
                                          const nlohmann::json& evidence) {
    if (verdict != "promote" && verdict != "rollback" && verdict != "hold")
        throw Error(ErrorKind::Usage, "unknown canary verdict '" + verdict + "'");
    store::Database& db = project.db();
    store::Transaction tx(db);
    std::optional<Traffic> now = load_traffic(db, seen.env, seen.route);
    if (!now || now->generation != seen.generation || !now->canary)
        throw Error(ErrorKind::CheckFailed,
                    "route '" + seen.route + "' in " + seen.env +
                        " changed while its canary was analysed; nothing was applied",
                    {}, "run llmops deploy check again");
    Attempt attempt;
    attempt.action = "check";
    attempt.outcome = verdict;
    attempt.gates = evidence;
    attempt.release_id = now->canary->id; // the release judged, whatever the verdict
    CanaryVerdictRecord record;
    if (verdict == "hold") {
        Actor actor = current_actor();
        attempt.env = seen.env;
        attempt.route = seen.route;
        attempt.canary_percent = now->canary_percent;
        attempt.actor = actor.name;
        attempt.ci = actor.ci;
        attempt.message = message;
        record.attempt_id = record_attempt(db, attempt);
    } else {
        std::int64_t stable = verdict == "promote" ? now->canary->id : now->stable.id;
        record.change = apply_change(project, tx, *now, attempt, stable, std::nullopt, 0, message);
        record.change->action = verdict;
        record.attempt_id = record.change->attempt_id;
    }
    tx.commit();
    return record;
}

RouteAnswer route_for(store::Database& db, const std::string& env, const std::string& route,
                      const std::string& user_key) {
    RouteAnswer answer;
    answer.traffic = require_traffic(db, env, route);
    answer.bucket = traffic_bucket(route, user_key);
    answer.canary =
        answer.traffic.canary &&
        bucket_in_canary(answer.bucket, weight_basis_points(answer.traffic.canary_percent));
    return answer;
}

std::string only_route(store::Database& db, const std::string& env) {
    auto routes = known_routes(db, env);
    if (routes.size() == 1) return routes.front().second;
    if (routes.empty()) throw Error(ErrorKind::Usage, "nothing has been deployed to " + env);
    std::string names;
    for (const auto& [e, r] : routes)
        names += (names.empty() ? "" : ", ") + r;
    throw Error(ErrorKind::Usage, env + " has several routes; name one with --route", {},
                "routes: " + names);
}

} // namespace llmops::deploy
