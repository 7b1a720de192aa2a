#include "deploy/candidate.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "json/canonical_json.hpp"

namespace llmops::deploy {

using nlohmann::json;

namespace {

std::string release_hash(const Candidate& c) {
    json content = {{"route", c.route},
                    {"prompt", c.prompt.hash},
                    {"provider_id", c.provider.id},
                    {"provider_config", c.provider_config_hash},
                    {"parameters", c.parameters}};
    return hash128(canonical_json(content)).hex();
}

Candidate complete(store::Project& project, prompt::PromptVersionInfo version,
                   provider::ProviderConfig config, std::string route) {
    prompt::PromptRegistry registry(project);
    json document = registry.load_document(version);
    Candidate c;
    c.prompt = std::move(version);
    c.provider = std::move(config);
    c.route = route.empty() ? c.prompt.name : std::move(route);
    c.provider_config = provider::describe_provider(c.provider);
    c.provider_config_hash = provider_config_hash(c.provider_config);
    c.parameters = {{"prompt", document.value("model", json::object())},
                    {"provider", c.provider.parameters}};
    c.hash = release_hash(c);
    return c;
}

} // namespace

std::string provider_config_hash(const json& described) {
    return hash128(canonical_json(described)).hex();
}

NewRelease Candidate::release_for(const std::string& env) const {
    return NewRelease{.env = env,
                      .route = route,
                      .hash = hash,
                      .prompt_version_id = prompt.id,
                      .provider_id = provider.id,
                      .provider_config = provider_config,
                      .provider_config_hash = provider_config_hash,
                      .parameters = parameters};
}

json Candidate::to_json() const {
    return {{"route", route},
            {"prompt", prompt.ref()},
            {"prompt_hash", prompt.hash},
            {"provider", provider.id},
            {"provider_config_hash", provider_config_hash},
            {"parameters", parameters},
            {"hash", hash}};
}

Candidate make_candidate(store::Project& project, const std::string& prompt_ref,
                         const std::string& provider_id, const std::string& route) {
    prompt::PromptRegistry registry(project);
    prompt::PromptVersionInfo version = registry.resolve(prompt_ref);
    provider::ProviderCatalog catalog =
        provider::load_provider_catalog(project.paths().config_file);
    return complete(project, std::move(version), provider::resolve_provider(catalog, provider_id),
                    route);
}

Candidate candidate_of_release(store::Project& project, const Release& release) {
    prompt::PromptRegistry registry(project);
    prompt::PromptVersionInfo version = registry.resolve(release.prompt_ref);
    provider::ProviderCatalog catalog =
        provider::load_provider_catalog(project.paths().config_file);
    Candidate c = complete(project, std::move(version),
                           provider::resolve_provider(catalog, release.provider_id), release.route);
    // The live release is what it was when deployed, even if llmops.yaml changed since: gates
    // compare against it under today's config, and say so when the config moved.
    return c;
}

} // namespace llmops::deploy
