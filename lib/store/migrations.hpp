#pragma once
// The schema of store.db, built by numbered migrations recorded in PRAGMA user_version.
#include "store/database.hpp"

namespace llmops::store {

// The newest schema version this binary knows.
int latest_schema_version();

// Brings the database up to the latest version in one transaction per step. Throws
// Error(Store) when the store is newer than this binary understands.
void migrate(Database& db);

} // namespace llmops::store
