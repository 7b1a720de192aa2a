// The SQL of the steps that hold the core data: project metadata, datasets, prompts, the
// response cache, runs, eval runs and retrieval indexes (steps 1-7, 9, 10).
// Append only: a released migration never changes (see migrations.cpp).
#include "store/migration_steps.hpp"

namespace llmops::store::migration_sql {

// 1: project metadata.
const std::string_view project_metadata = R"sql(
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        )sql";

// 2: datasets and their versions (docs/store-format.md).
const std::string_view datasets = R"sql(
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
        )sql";

// 3: prompts, their versions and labels (docs/store-format.md).
const std::string_view prompts = R"sql(
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
        )sql";

// 4: the provider response cache (docs/providers.md). Answers are stored inline, in
// columns: they are small, and a cached run reads tens of thousands per second.
const std::string_view response_cache = R"sql(
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
        )sql";

// 5: runs of a prompt over a dataset against one provider (docs/runs.md). One row per
// dataset row answered or failed; rows never recorded are what `run --resume` redoes.
const std::string_view runs = R"sql(
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            prompt_version_id INTEGER NOT NULL REFERENCES prompt_versions(id),
            dataset_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
            data_source TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            provider_config TEXT NOT NULL,
            options TEXT NOT NULL,
            status TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            wall_s REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_prompt ON runs(prompt_version_id);
        CREATE INDEX runs_dataset ON runs(dataset_version_id);
        CREATE TABLE run_rows (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            row_index INTEGER NOT NULL,
            ok INTEGER NOT NULL,
            input TEXT NOT NULL,
            output TEXT NOT NULL,
            finish_reason TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            ttft_ms REAL,
            cost_usd REAL NOT NULL,
            cached INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            error_kind TEXT NOT NULL,
            error_message TEXT NOT NULL,
            http_status INTEGER NOT NULL,
            raw TEXT NOT NULL,
            PRIMARY KEY (run_id, row_index)
        ) WITHOUT ROWID;
        )sql";

// 6: eval runs (docs/eval.md). Each cell of the prompts x providers matrix is a run
// (kind 'eval'); cases are the spec's rows; scores are per case, cell and metric.
const std::string_view eval_runs = R"sql(
        CREATE TABLE eval_runs (
            id INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            spec_source TEXT NOT NULL,
            spec_hash TEXT NOT NULL,
            spec TEXT NOT NULL,
            dataset_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
            data_source TEXT NOT NULL,
            case_count INTEGER NOT NULL,
            scoring TEXT NOT NULL,
            status TEXT NOT NULL,
            passed INTEGER,
            summary TEXT,
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE eval_cells (
            eval_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
            cell_index INTEGER NOT NULL,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            label TEXT NOT NULL,
            PRIMARY KEY (eval_id, cell_index)
        ) WITHOUT ROWID;
        CREATE INDEX eval_cells_run ON eval_cells(run_id);
        CREATE TABLE eval_cases (
            eval_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
            case_index INTEGER NOT NULL,
            case_id TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            vars TEXT NOT NULL,
            PRIMARY KEY (eval_id, case_index)
        ) WITHOUT ROWID;
        CREATE TABLE eval_scores (
            eval_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
            cell_index INTEGER NOT NULL,
            case_index INTEGER NOT NULL,
            metric_index INTEGER NOT NULL,
            metric TEXT NOT NULL,
            score REAL,
            passed INTEGER,
            reason TEXT NOT NULL,
            error TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (eval_id, cell_index, case_index, metric_index)
        ) WITHOUT ROWID;
        )sql";

// 7: retrieval indexes (docs/retrieval.md). One catalog row per index; the passages of each
// live in their own FTS5 table, retrieval_index_<id>, created by `index build`, so BM25
// statistics never mix across indexes. AUTOINCREMENT: a rebuilt index gets a new id and
// a new table, and an id is never reused for a different index.
const std::string_view retrieval_indexes = R"sql(
        CREATE TABLE retrieval_indexes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            dataset_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
            source_ref TEXT NOT NULL,
            source_version TEXT NOT NULL,
            text_field TEXT NOT NULL,
            id_field TEXT,
            tokenizer TEXT NOT NULL,
            k1 REAL NOT NULL,
            b REAL NOT NULL,
            document_count INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX retrieval_indexes_dataset ON retrieval_indexes(dataset_version_id);
        )sql";

// 9: a cached answer keeps the latency (and time to first token) of the call that
// produced it, so latency metrics of a cached rerun measure the model, not the cache
// (docs/providers.md). Entries from before have NULL there and count as misses.
const std::string_view cached_latency = R"sql(
        ALTER TABLE provider_cache ADD COLUMN latency_ms REAL;
        ALTER TABLE provider_cache ADD COLUMN ttft_ms REAL;
        )sql";

// 10: the process that runs a run or an eval run (host/boot/pid/start time), set by the
// write that claims it: two resumes can no longer both take one (docs/runs.md).
const std::string_view run_owner = R"sql(
        ALTER TABLE runs ADD COLUMN owner TEXT;
        ALTER TABLE eval_runs ADD COLUMN owner TEXT;
        )sql";

} // namespace llmops::store::migration_sql
