#pragma once
// The schema of store.db, built by numbered migrations recorded in PRAGMA user_version.
#include "store/database.hpp"

namespace llmops::store {

// The newest schema version this binary knows.
int latest_schema_version();

// Brings the database up to the latest version in one transaction per step. Throws
// Error(Store) when the store is newer than this binary understands.
// `target` > 0 stops at that version (tests of an upgrade build an older store with it).
void migrate(Database& db, int target = 0);

} // namespace llmops::store
