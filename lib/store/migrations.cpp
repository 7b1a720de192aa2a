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
        // 2: datasets and their versions (docs/store-format.md).
        R"sql(
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            next_number INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE dataset_versions (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            parent_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
            row_count INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            stored_bytes INTEGER NOT NULL,
            schema TEXT NOT NULL,
            sources TEXT NOT NULL,
            provenance TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (dataset_id, number)
        );
        CREATE INDEX dataset_versions_manifest ON dataset_versions(manifest);
        CREATE TABLE dataset_chunks (
            version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            chunk TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            PRIMARY KEY (version_id, seq)
        ) WITHOUT ROWID;
        CREATE TABLE dataset_tags (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            PRIMARY KEY (dataset_id, tag)
        );
        )sql",
        // 3: prompts, their versions and labels (docs/store-format.md).
        R"sql(
        CREATE TABLE prompts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            next_number INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE prompt_versions (
            id INTEGER PRIMARY KEY,
            prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            spec TEXT NOT NULL,
            parent_id INTEGER REFERENCES prompt_versions(id),
            description TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (prompt_id, number)
        );
        CREATE INDEX prompt_versions_spec ON prompt_versions(spec);
        CREATE INDEX prompt_versions_parent ON prompt_versions(parent_id);
        CREATE TABLE prompt_labels (
            prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES prompt_versions(id),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (prompt_id, label)
        );
        CREATE TABLE prompt_label_events (
            id INTEGER PRIMARY KEY,
            prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            from_version_id INTEGER REFERENCES prompt_versions(id),
            to_version_id INTEGER NOT NULL REFERENCES prompt_versions(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX prompt_label_events_prompt ON prompt_label_events(prompt_id, id);
        )sql",
        // 4: the provider response cache (docs/providers.md). Answers are stored inline, in
        // columns: they are small, and a cached run reads tens of thousands per second.
        R"sql(
        CREATE TABLE provider_cache (
            key TEXT PRIMARY KEY,
            provider_type TEXT NOT NULL,
            model TEXT NOT NULL,
            text TEXT NOT NULL,
            finish_reason TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            raw TEXT NOT NULL,
            raw_truncated INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX provider_cache_created ON provider_cache(created_at);
        CREATE TABLE provider_cache_hits (
            provider_type TEXT NOT NULL,
            model TEXT NOT NULL,
            hits INTEGER NOT NULL,
            last_hit_at TEXT NOT NULL,
            PRIMARY KEY (provider_type, model)
        ) WITHOUT ROWID;
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
