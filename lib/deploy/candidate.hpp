#pragma once
// A deploy candidate: a prompt version with a provider (its resolved config) under a route
// name, and the content hash that identifies it as a release in any environment.
#include <string>

#include <nlohmann/json.hpp>

#include "deploy/deploy_store.hpp"
#include "prompt/prompt_registry.hpp"
#include "provider/provider_config.hpp"
#include "store/project.hpp"

namespace llmops::deploy {

struct Candidate {
    prompt::PromptVersionInfo prompt;
    provider::ProviderConfig provider;
    std::string route;              // default: the prompt's name
    nlohmann::json provider_config; // describe_provider: never a key
    std::string provider_config_hash;
    nlohmann::json parameters; // {"prompt": the spec's model block, "provider": ...}
    std::string hash;          // XXH3-128 of the canonical JSON of all of the above

    NewRelease release_for(const std::string& env) const;
    nlohmann::json to_json() const;
};

// Throws Error(BadInput) for an unknown prompt or provider (as `run` does).
Candidate make_candidate(store::Project& project, const std::string& prompt_ref,
                         const std::string& provider_id, const std::string& route);
// The candidate a stored release was made from (for re-running gates against it).
Candidate candidate_of_release(store::Project& project, const Release& release);

// The hash of a provider's recorded config (canonical JSON).
std::string provider_config_hash(const nlohmann::json& described);

} // namespace llmops::deploy
