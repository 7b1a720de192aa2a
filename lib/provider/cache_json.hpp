#pragma once
// The --json shapes of `llmops cache stats` and `cache clear` (docs/cli.md).
#include "provider/response_cache.hpp"

#include <nlohmann/json.hpp>

namespace llmops::provider {

// {"entries", "bytes", "hits", "oldest", "newest", "by_model": [...]}; the dates are null for
// an empty cache.
nlohmann::json to_json(const CacheStats& stats);
// {"removed"}.
nlohmann::json cache_clear_json(std::int64_t removed);

} // namespace llmops::provider
