#include "store/migrations.hpp"

#include "core/error.hpp"
#include "store/migration_steps.hpp"
#include "store/postgres_schema.hpp"

#include <string_view>
#include <vector>

namespace llmops::store {

namespace {
// Append only: a released migration never changes, so every store upgrades the same way.
// Step N (schema version N) is the N-th entry; its SQL lives in migrations_<stage>.cpp.
const std::vector<std::string_view>& migrations() {
    namespace sql = migration_sql;
    static const std::vector<std::string_view> steps = {
        sql::project_metadata,               // 1
        sql::datasets,                       // 2
        sql::prompts,                        // 3
        sql::response_cache,                 // 4
        sql::runs,                           // 5
        sql::eval_runs,                      // 6
        sql::retrieval_indexes,              // 7
        sql::deployments,                    // 8
        sql::cached_latency,                 // 9
        sql::run_owner,                      // 10
        sql::gateway,                        // 11
        sql::compact_request_log_and_alerts, // 12
        sql::pipelines,                      // 13
        sql::feedback_loop,                  // 14
        sql::serve_guardrails,               // 15
        sql::shared_key_rates,               // 16
    };
    return steps;
}
} // namespace

int latest_schema_version() {
    return static_cast<int>(migrations().size());
}

void migrate(Database& db, int target) {
    int current = db.user_version();
    int latest = latest_schema_version();
    if (current > latest)
        throw Error(ErrorKind::Store,
                    "store schema version " + std::to_string(current) +
                        " is newer than this llmops understands (" + std::to_string(latest) + ")",
                    ErrorLocation{.file = db.path().string()}, "upgrade llmops");
    if (target > 0 && target < latest) latest = target;
    if (db.dialect() == Dialect::PostgreSQL && current < latest) {
        // A new PostgreSQL store starts at the latest schema, derived from the history below;
        // one made by an older llmops takes the later steps, translated (postgres_sql.hpp).
        Transaction tx(db);
        int version = db.user_version(); // again, under the write lock
        if (version == 0) {
            create_postgres_schema(db);
            version = latest_schema_version();
        }
        for (; version < latest; ++version) // step version + 1
            db.exec(migrations()[static_cast<std::size_t>(version)]);
        db.set_user_version(version);
        tx.commit();
        return;
    }
    for (int version = current + 1; version <= latest; ++version) {
        Transaction tx(db);
        // Re-check inside the write lock: a concurrent process may have migrated meanwhile.
        if (db.user_version() >= version) continue;
        db.exec(migrations()[static_cast<std::size_t>(version - 1)]);
        db.set_user_version(version);
        tx.commit();
    }
}

} // namespace llmops::store
