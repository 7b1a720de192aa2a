#pragma once
// The schema of a PostgreSQL store, derived from the SQLite migration history: one schema
// definition for both backends (docs/postgresql.md).
#include "store/database.hpp"

namespace llmops::store {

// Creates every table, index and view of schema version latest_schema_version() on an empty
// PostgreSQL database. The caller holds the write transaction and records the version.
void create_postgres_schema(Database& postgres);

} // namespace llmops::store
