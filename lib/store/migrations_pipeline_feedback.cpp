// The SQL of the pipeline and feedback-loop steps (steps 13, 14).
// Append only: a released migration never changes (see migrations.cpp).
#include "store/migration_steps.hpp"

namespace llmops::store::migration_sql {

// 13: pipelines (docs/pipelines.md). A run and the stages it finished (a row is written
// only when a stage has finished, so a killed run never records unfinished work); the
// run cache (stage key -> outputs, their bytes kept as objects); the stat cache that
// spares re-reading unchanged files.
const std::string_view pipelines = R"sql(
        CREATE TABLE pipeline_runs (
            id INTEGER PRIMARY KEY,
            pipeline TEXT NOT NULL,
            targets TEXT NOT NULL,
            status TEXT NOT NULL,
            owner TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE pipeline_stage_runs (
            run_id INTEGER NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL,
            stage_key TEXT,
            exit_code INTEGER,
            started_at TEXT,
            finished_at TEXT NOT NULL,
            PRIMARY KEY (run_id, stage)
        ) WITHOUT ROWID;
        CREATE TABLE pipeline_cache (
            stage_key TEXT PRIMARY KEY,
            stage TEXT NOT NULL,
            outs TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE pipeline_cache_objects (
            stage_key TEXT NOT NULL REFERENCES pipeline_cache(stage_key) ON DELETE CASCADE,
            object TEXT NOT NULL,
            PRIMARY KEY (stage_key, object)
        ) WITHOUT ROWID;
        CREATE TABLE file_hashes (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            hash TEXT NOT NULL
        ) WITHOUT ROWID;
        )sql";

// 14: the feedback loop (docs/feedback.md): fine-tuning jobs as started through a
// provider or an exec trainer, and the decisions of `llmops review` in progress (one
// row per decided dataset row, so a review resumes where it stopped).
const std::string_view feedback_loop = R"sql(
        CREATE TABLE finetune_jobs (
            id INTEGER PRIMARY KEY,
            provider TEXT NOT NULL,
            trainer TEXT NOT NULL,
            external_id TEXT,
            base_model TEXT NOT NULL,
            training TEXT NOT NULL,
            training_manifest TEXT NOT NULL,
            training_file TEXT,
            validation TEXT,
            validation_file TEXT,
            params TEXT NOT NULL,
            status TEXT NOT NULL,
            fine_tuned_model TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX finetune_jobs_external ON finetune_jobs(provider, external_id)
            WHERE external_id IS NOT NULL;
        CREATE TABLE review_decisions (
            version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            row_index INTEGER NOT NULL,
            decision TEXT NOT NULL,
            row TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (version_id, field, row_index)
        ) WITHOUT ROWID;
        )sql";

} // namespace llmops::store::migration_sql
