#pragma once
// What the gateway serves in its environment: per route, the live traffic (stable release and
// canary) with each release's compiled prompt and resolved provider, held in memory so that a
// request never waits on SQLite. The answer for a user key is the one deploy::route_for gives
// (the same buckets, the same weights); RouteTable reloads when `deploy` changes the traffic.
// Reference: docs/serve.md.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deploy/deploy_store.hpp"
#include "prompt/prompt_spec.hpp"
#include "provider/provider_config.hpp"
#include "store/project.hpp"

namespace llmops::serve {

struct ServedRelease {
    deploy::Release release;
    prompt::CompiledPromptPtr prompt;
    std::optional<provider::ProviderConfig> provider; // empty when it no longer resolves
    std::string problem; // why it cannot be served ("provider 'x' is not in llmops.yaml")
};

struct RouteEntry {
    std::string route;
    std::shared_ptr<const ServedRelease> stable;
    std::shared_ptr<const ServedRelease> canary; // null without a canary
    std::uint32_t canary_basis_points = 0;
};

struct RouteChoice {
    const RouteEntry* entry = nullptr;
    const ServedRelease* release = nullptr;
    bool canary = false;
    std::uint32_t bucket = 0;
};

class RouteSnapshot {
  public:
    std::map<std::string, RouteEntry> routes;
    std::string signature; // routes and traffic generations: changes with every deploy

    // nullopt for an unknown route.
    std::optional<RouteChoice> resolve(const std::string& route, const std::string& user_key) const;
    std::vector<std::string> route_names() const;
    // What is live, for the gateway's log: "ask@2 (canary ask@3 at 50%), summarise@1".
    std::string describe() const;
};

// The traffic signature of `env` now: cheap enough to poll every second.
std::string traffic_signature(store::Database& db, const std::string& env);

// Loads every route of `env`: its releases' prompts from the registry, their providers from
// the catalog (llmops.yaml as it is now; a key is read only when a request is made).
std::shared_ptr<const RouteSnapshot> load_routes(store::Project& project, const std::string& env,
                                                 const provider::ProviderCatalog& catalog);

} // namespace llmops::serve
