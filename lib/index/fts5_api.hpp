#pragma once
// SQLite's FTS5 extension API for one connection: how llmops registers its ranking function
// and runs an index's own tokenizer over query text.
#include "store/database.hpp"

struct fts5_api;

namespace llmops::index {

// The connection's fts5_api. Throws Error(Store) when this SQLite was built without FTS5.
fts5_api& fts5_api_of(store::Database& db);

} // namespace llmops::index
