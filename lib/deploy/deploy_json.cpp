// The --json shapes of deploy results (docs/deploy.md, "JSON output").
#include "deploy/deployer.hpp"

namespace llmops::deploy {

using nlohmann::json;

json release_to_json(const Release& r) {
    return {{"env", r.env},
            {"route", r.route},
            {"number", r.number},
            {"hash", r.hash},
            {"prompt", r.prompt_ref},
            {"provider", r.provider_id},
            {"provider_config_hash", r.provider_config_hash},
            {"provider_config", r.provider_config},
            {"parameters", r.parameters},
            {"created_at", r.created_at}};
}

json traffic_to_json(const Traffic& t) {
    json out = {{"env", t.env},
                {"route", t.route},
                {"stable", release_to_json(t.stable)},
                {"canary", t.canary ? release_to_json(*t.canary) : json(nullptr)},
                {"canary_percent", t.canary ? t.canary_percent : 0.0},
                {"updated_at", t.updated_at}};
    return out;
}

json attempt_to_json(const Attempt& a) {
    return {{"id", a.id},
            {"env", a.env},
            {"route", a.route},
            {"action", a.action},
            {"outcome", a.outcome},
            {"candidate", a.candidate},
            {"release", a.release_number ? json(*a.release_number) : json(nullptr)},
            {"canary_percent", a.canary_percent ? json(*a.canary_percent) : json(nullptr)},
            {"actor", a.actor},
            {"ci", a.ci},
            {"message", a.message},
            {"gates", a.gates},
            {"created_at", a.created_at}};
}

json deploy_result_to_json(const DeployResult& r) {
    json gates = json::array();
    for (const auto& g : r.gates.results)
        gates.push_back(gate_result_to_json(g));
    return {{"env", r.env},
            {"outcome", r.outcome},
            {"passed", r.gates.passed},
            {"candidate", r.candidate.to_json()},
            {"live_before", r.live_before ? release_to_json(*r.live_before) : json(nullptr)},
            {"release", r.release ? release_to_json(*r.release) : json(nullptr)},
            {"already_live", r.reused_release},
            {"canary_percent", r.canary_percent ? json(*r.canary_percent) : json(nullptr)},
            {"live_changed", r.live_changed},
            {"attempt", r.attempt_id},
            {"gates", gates}};
}

json traffic_change_to_json(const TrafficChange& c) {
    return {{"action", c.action},
            {"attempt", c.attempt_id},
            {"before", traffic_to_json(c.before)},
            {"after", traffic_to_json(c.after)}};
}

json traffic_list_to_json(const std::vector<Traffic>& traffic) {
    json out = json::array();
    for (const auto& t : traffic)
        out.push_back(traffic_to_json(t));
    return out;
}

json live_at_to_json(const std::string& at, const std::vector<Traffic>& live) {
    return {{"at", at}, {"live", traffic_list_to_json(live)}};
}

json attempts_to_json(const std::vector<Attempt>& attempts) {
    json out = json::array();
    for (const auto& a : attempts)
        out.push_back(attempt_to_json(a));
    return out;
}

json route_answer_to_json(const std::string& env, const std::string& route, const std::string& key,
                          const RouteAnswer& answer) {
    return {{"env", env},
            {"route", route},
            {"key", key},
            {"bucket", answer.bucket},
            {"canary", answer.canary},
            {"release", release_to_json(answer.release())}};
}

} // namespace llmops::deploy
