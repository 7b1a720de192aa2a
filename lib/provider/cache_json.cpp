#include "provider/cache_json.hpp"

namespace llmops::provider {

using nlohmann::json;

json to_json(const CacheStats& s) {
    json groups = json::array();
    for (const auto& g : s.groups)
        groups.push_back({{"provider_type", g.provider_type},
                          {"model", g.model},
                          {"entries", g.entries},
                          {"bytes", g.bytes},
                          {"hits", g.hits}});
    return {{"entries", s.entries},
            {"bytes", s.bytes},
            {"hits", s.hits},
            {"oldest", s.oldest.empty() ? json(nullptr) : json(s.oldest)},
            {"newest", s.newest.empty() ? json(nullptr) : json(s.newest)},
            {"by_model", groups}};
}

json cache_clear_json(std::int64_t removed) {
    return {{"removed", removed}};
}

} // namespace llmops::provider
