#include "store/migrations.hpp"

#include "core/error.hpp"

#include <string_view>
#include <vector>

namespace llmops::store {

namespace {
// Append only: a released migration never changes, so every store upgrades the same way.
const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> steps = {
        // 1: project metadata.
        R"sql(
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        )sql",
    };
    return steps;
}
} // namespace

int latest_schema_version() { return static_cast<int>(migrations().size()); }

void migrate(Database& db) {
    int current = db.user_version();
    int latest = latest_schema_version();
    if (current > latest)
        throw Error(ErrorKind::Store,
                    "store schema version " + std::to_string(current) +
                        " is newer than this llmops understands (" + std::to_string(latest) + ")",
                    ErrorLocation{.file = db.path().string()}, "upgrade llmops");
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
