#include "serve/route_table.hpp"

#include "core/error.hpp"
#include "deploy/traffic_split.hpp"
#include "prompt/prompt_registry.hpp"

#include <fmt/format.h>

namespace llmops::serve {

std::optional<RouteChoice> RouteSnapshot::resolve(const std::string& route,
                                                  const std::string& user_key) const {
    auto it = routes.find(route);
    if (it == routes.end()) return std::nullopt;
    RouteChoice choice;
    choice.entry = &it->second;
    // As deploy::route_for: the bucket of (route, key), the canary below its weight.
    choice.bucket = deploy::traffic_bucket(route, user_key);
    choice.canary = it->second.canary &&
                    deploy::bucket_in_canary(choice.bucket, it->second.canary_basis_points);
    choice.release = choice.canary ? it->second.canary.get() : it->second.stable.get();
    return choice;
}

std::vector<std::string> RouteSnapshot::route_names() const {
    std::vector<std::string> names;
    for (const auto& [name, _] : routes)
        names.push_back(name);
    return names;
}

std::string RouteSnapshot::describe() const {
    std::string out;
    for (const auto& [name, entry] : routes) {
        if (!out.empty()) out += ", ";
        out += name;
        if (entry.stable) out += "@" + std::to_string(entry.stable->release.number);
        if (entry.canary)
            out += fmt::format(" (canary {}@{} at {}%)", name, entry.canary->release.number,
                               entry.canary_basis_points / 100.0);
    }
    return out;
}

std::string traffic_signature(store::Database& db, const std::string& env) {
    auto stmt = db.prepare("SELECT route, generation FROM deploy_traffic WHERE env = ?1 "
                           "ORDER BY route");
    stmt.bind(1, env);
    std::string signature;
    while (stmt.step())
        signature += stmt.column_text(0) + '\x1f' + std::to_string(stmt.column_int(1)) + '\x1e';
    return signature;
}

namespace {

std::shared_ptr<const ServedRelease> serve_release(const deploy::Release& release,
                                                   prompt::PromptRegistry& registry,
                                                   const provider::ProviderCatalog& catalog) {
    auto served = std::make_shared<ServedRelease>();
    served->release = release;
    served->prompt = registry.load(registry.resolve(release.prompt_ref));
    try {
        served->provider = provider::resolve_provider(catalog, release.provider_id);
    } catch (const Error& e) {
        served->problem = e.message();
    }
    return served;
}

} // namespace

std::shared_ptr<const RouteSnapshot> load_routes(store::Project& project, const std::string& env,
                                                 const provider::ProviderCatalog& catalog) {
    auto snapshot = std::make_shared<RouteSnapshot>();
    snapshot->signature = traffic_signature(project.db(), env);
    prompt::PromptRegistry registry(project);
    std::map<std::int64_t, std::shared_ptr<const ServedRelease>> by_id;
    auto get = [&](const deploy::Release& r) {
        auto& slot = by_id[r.id];
        if (!slot) slot = serve_release(r, registry, catalog);
        return slot;
    };
    for (const auto& traffic : deploy::list_traffic(project.db(), env)) {
        RouteEntry entry;
        entry.route = traffic.route;
        entry.stable = get(traffic.stable);
        if (traffic.canary) {
            entry.canary = get(*traffic.canary);
            entry.canary_basis_points = deploy::weight_basis_points(traffic.canary_percent);
        }
        snapshot->routes.emplace(traffic.route, std::move(entry));
    }
    return snapshot;
}

} // namespace llmops::serve
