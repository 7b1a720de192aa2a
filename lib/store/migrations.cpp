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
        // 5: runs of a prompt over a dataset against one provider (docs/runs.md). One row per
        // dataset row answered or failed; rows never recorded are what `run --resume` redoes.
        R"sql(
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
        )sql",
        // 6: eval runs (docs/eval.md). Each cell of the prompts x providers matrix is a run
        // (kind 'eval'); cases are the spec's rows; scores are per case, cell and metric.
        R"sql(
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
        )sql",
        // 7: retrieval indexes (docs/retrieval.md). One catalog row per index; the passages of each
        // live in their own FTS5 table, retrieval_index_<id>, created by `index build`, so BM25
        // statistics never mix across indexes. AUTOINCREMENT: a rebuilt index gets a new id and
        // a new table, and an id is never reused for a different index.
        R"sql(
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
        )sql",
        // 8: deployments (docs/deploy.md). A release is immutable and numbered per environment
        // and route; every attempt is kept, whatever its outcome; traffic holds what is live now
        // and traffic_events every change of it, so "what was live at T" is one lookup.
        R"sql(
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            env TEXT NOT NULL,
            route TEXT NOT NULL,
            number INTEGER NOT NULL,
            hash TEXT NOT NULL,
            prompt_version_id INTEGER NOT NULL REFERENCES prompt_versions(id),
            provider_id TEXT NOT NULL,
            provider_config TEXT NOT NULL,
            provider_config_hash TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (env, route, number)
        );
        CREATE TABLE deploy_attempts (
            id INTEGER PRIMARY KEY,
            env TEXT NOT NULL,
            route TEXT NOT NULL,
            action TEXT NOT NULL,
            outcome TEXT NOT NULL,
            candidate TEXT NOT NULL,
            release_id INTEGER REFERENCES releases(id),
            canary_percent REAL,
            actor TEXT NOT NULL,
            ci TEXT NOT NULL,
            message TEXT NOT NULL,
            gates TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX deploy_attempts_route ON deploy_attempts(env, route, id);
        CREATE TABLE deploy_traffic (
            env TEXT NOT NULL,
            route TEXT NOT NULL,
            stable_release_id INTEGER NOT NULL REFERENCES releases(id),
            canary_release_id INTEGER REFERENCES releases(id),
            canary_percent REAL NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (env, route)
        ) WITHOUT ROWID;
        CREATE TABLE deploy_traffic_events (
            id INTEGER PRIMARY KEY,
            env TEXT NOT NULL,
            route TEXT NOT NULL,
            stable_release_id INTEGER NOT NULL REFERENCES releases(id),
            canary_release_id INTEGER REFERENCES releases(id),
            canary_percent REAL NOT NULL,
            attempt_id INTEGER NOT NULL REFERENCES deploy_attempts(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX deploy_traffic_events_route ON deploy_traffic_events(env, route, created_at);
        )sql",
        // 9: a cached answer keeps the latency (and time to first token) of the call that
        // produced it, so latency metrics of a cached rerun measure the model, not the cache
        // (docs/providers.md). Entries from before have NULL there and count as misses.
        R"sql(
        ALTER TABLE provider_cache ADD COLUMN latency_ms REAL;
        ALTER TABLE provider_cache ADD COLUMN ttft_ms REAL;
        )sql",
        // 10: the process that runs a run or an eval run (host/boot/pid/start time), set by the
        // write that claims it: two resumes can no longer both take one (docs/runs.md).
        R"sql(
        ALTER TABLE runs ADD COLUMN owner TEXT;
        ALTER TABLE eval_runs ADD COLUMN owner TEXT;
        )sql",
        // 11: the gateway (docs/serve.md): every request it answered, feedback about them, and
        // API keys (only their SHA-256). request_log has no foreign keys: rows come from a
        // gateway that may log to another database, and outlive releases.
        R"sql(
        CREATE TABLE request_log (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            env TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            route TEXT,
            release_id INTEGER,
            release_number INTEGER,
            canary INTEGER NOT NULL DEFAULT 0,
            prompt_version TEXT,
            provider TEXT,
            model TEXT,
            key_name TEXT,
            user_hash TEXT,
            status INTEGER NOT NULL,
            error_kind TEXT,
            error_message TEXT,
            total_ms REAL NOT NULL,
            queue_ms REAL NOT NULL,
            upstream_ms REAL NOT NULL,
            overhead_ms REAL NOT NULL,
            ttft_ms REAL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            cached INTEGER NOT NULL,
            streamed INTEGER NOT NULL,
            body_policy TEXT NOT NULL,
            request_body TEXT,
            response_body TEXT
        );
        CREATE INDEX request_log_time ON request_log(created_at);
        CREATE INDEX request_log_route ON request_log(env, route, created_at);
        CREATE INDEX request_log_key ON request_log(key_name);
        CREATE TABLE request_feedback (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL REFERENCES request_log(id),
            name TEXT NOT NULL,
            value_type TEXT NOT NULL,
            value_number REAL,
            value_text TEXT,
            comment TEXT NOT NULL,
            key_name TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX request_feedback_request ON request_feedback(request_id);
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            key_sha256 TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            rpm REAL,
            tpm REAL,
            budget_usd REAL,
            routes TEXT,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        )sql",
        // 12: the request log in its compact form (docs/store-format.md, docs/performance.md):
        // rows keyed by their time-ordered id (created ms << 20 | sequence), so a time range is
        // a range of the primary key and no other index is needed; strings interned in
        // log_strings; latencies in microseconds, cost in nano-USD; the spend per key kept as a
        // running total (budgets outlive `logs prune`). request_log becomes a view with the
        // columns of schema 11. Old rows get ids from their time and seq (their text ids could
        // not be kept). Alert state, history and the delivery outbox (docs/monitoring.md).
        R"sql(
        CREATE TABLE log_strings (
            id INTEGER PRIMARY KEY,
            value TEXT NOT NULL UNIQUE
        );
        CREATE TABLE request_rows (
            id INTEGER PRIMARY KEY,
            env INTEGER NOT NULL,
            method INTEGER NOT NULL,
            path INTEGER NOT NULL,
            route INTEGER,
            release_id INTEGER,
            release_number INTEGER,
            canary INTEGER NOT NULL,
            prompt_version INTEGER,
            provider INTEGER,
            model INTEGER,
            key_name INTEGER,
            user_hash INTEGER,
            status INTEGER NOT NULL,
            error_kind INTEGER,
            total_us INTEGER NOT NULL,
            queue_us INTEGER NOT NULL,
            upstream_us INTEGER NOT NULL,
            overhead_us INTEGER NOT NULL,
            ttft_us INTEGER,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            cost_nusd INTEGER NOT NULL,
            cached INTEGER NOT NULL,
            streamed INTEGER NOT NULL,
            body_policy INTEGER NOT NULL,
            error_message TEXT,
            request_body TEXT,
            response_body TEXT
        );
        INSERT OR IGNORE INTO log_strings (value)
            SELECT env FROM request_log UNION SELECT method FROM request_log
            UNION SELECT path FROM request_log UNION SELECT body_policy FROM request_log
            UNION SELECT route FROM request_log WHERE route IS NOT NULL
            UNION SELECT prompt_version FROM request_log WHERE prompt_version IS NOT NULL
            UNION SELECT provider FROM request_log WHERE provider IS NOT NULL
            UNION SELECT model FROM request_log WHERE model IS NOT NULL
            UNION SELECT key_name FROM request_log WHERE key_name IS NOT NULL
            UNION SELECT error_kind FROM request_log WHERE error_kind IS NOT NULL;
        CREATE TEMP TABLE request_id_map AS
            SELECT seq, id AS old_id,
                   (CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) << 20)
                       | (seq & 1048575) AS new_id
            FROM request_log;
        INSERT OR IGNORE INTO request_rows
            SELECT m.new_id,
                (SELECT id FROM log_strings WHERE value = l.env),
                (SELECT id FROM log_strings WHERE value = l.method),
                (SELECT id FROM log_strings WHERE value = l.path),
                (SELECT id FROM log_strings WHERE value = l.route),
                l.release_id, l.release_number, l.canary,
                (SELECT id FROM log_strings WHERE value = l.prompt_version),
                (SELECT id FROM log_strings WHERE value = l.provider),
                (SELECT id FROM log_strings WHERE value = l.model),
                (SELECT id FROM log_strings WHERE value = l.key_name),
                CASE WHEN l.user_hash IS NULL THEN NULL
                     ELSE ((instr('0123456789abcdef', lower(substr(l.user_hash, 1, 1))) - 1) << 60)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 2, 1))) - 1) << 56)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 3, 1))) - 1) << 52)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 4, 1))) - 1) << 48)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 5, 1))) - 1) << 44)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 6, 1))) - 1) << 40)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 7, 1))) - 1) << 36)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 8, 1))) - 1) << 32)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 9, 1))) - 1) << 28)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 10, 1))) - 1) << 24)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 11, 1))) - 1) << 20)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 12, 1))) - 1) << 16)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 13, 1))) - 1) << 12)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 14, 1))) - 1) << 8)
                     | ((instr('0123456789abcdef', lower(substr(l.user_hash, 15, 1))) - 1) << 4)
                     | (instr('0123456789abcdef', lower(substr(l.user_hash, 16, 1))) - 1) END,
                l.status,
                (SELECT id FROM log_strings WHERE value = l.error_kind),
                CAST(round(l.total_ms * 1000) AS INTEGER), CAST(round(l.queue_ms * 1000) AS INTEGER),
                CAST(round(l.upstream_ms * 1000) AS INTEGER),
                CAST(round(l.overhead_ms * 1000) AS INTEGER),
                CAST(round(l.ttft_ms * 1000) AS INTEGER),
                l.prompt_tokens, l.completion_tokens, CAST(round(l.cost_usd * 1e9) AS INTEGER),
                l.cached, l.streamed,
                (SELECT id FROM log_strings WHERE value = l.body_policy),
                l.error_message, l.request_body, l.response_body
            FROM request_log l JOIN request_id_map m ON m.seq = l.seq;
        CREATE TABLE request_feedback_v12 (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES request_rows(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value_type TEXT NOT NULL,
            value_number REAL,
            value_text TEXT,
            comment TEXT NOT NULL,
            key_name TEXT,
            created_at TEXT NOT NULL
        );
        INSERT INTO request_feedback_v12
            SELECT f.id, m.new_id, f.name, f.value_type, f.value_number, f.value_text, f.comment,
                   f.key_name, f.created_at
            FROM request_feedback f JOIN request_id_map m ON m.old_id = f.request_id;
        CREATE TABLE request_key_spend (
            key_name TEXT PRIMARY KEY,
            cost_usd REAL NOT NULL,
            requests INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO request_key_spend
            SELECT key_name, SUM(cost_usd), COUNT(*) FROM request_log
            WHERE key_name IS NOT NULL GROUP BY key_name;
        DROP TABLE request_id_map;
        DROP TABLE request_feedback;
        DROP TABLE request_log;
        ALTER TABLE request_feedback_v12 RENAME TO request_feedback;
        CREATE INDEX request_feedback_request ON request_feedback(request_id);
        CREATE VIEW request_log AS SELECT
            r.id AS seq,
            printf('req_%016x', r.id) AS id,
            strftime('%Y-%m-%dT%H:%M:%S', (r.id >> 20) / 1000, 'unixepoch')
                || printf('.%03dZ', (r.id >> 20) % 1000) AS created_at,
            (SELECT value FROM log_strings WHERE id = r.env) AS env,
            (SELECT value FROM log_strings WHERE id = r.method) AS method,
            (SELECT value FROM log_strings WHERE id = r.path) AS path,
            (SELECT value FROM log_strings WHERE id = r.route) AS route,
            r.release_id AS release_id,
            r.release_number AS release_number,
            r.canary AS canary,
            (SELECT value FROM log_strings WHERE id = r.prompt_version) AS prompt_version,
            (SELECT value FROM log_strings WHERE id = r.provider) AS provider,
            (SELECT value FROM log_strings WHERE id = r.model) AS model,
            (SELECT value FROM log_strings WHERE id = r.key_name) AS key_name,
            CASE WHEN r.user_hash IS NULL THEN NULL ELSE printf('%016x', r.user_hash) END
                AS user_hash,
            r.status AS status,
            (SELECT value FROM log_strings WHERE id = r.error_kind) AS error_kind,
            r.error_message AS error_message,
            r.total_us / 1000.0 AS total_ms,
            r.queue_us / 1000.0 AS queue_ms,
            r.upstream_us / 1000.0 AS upstream_ms,
            r.overhead_us / 1000.0 AS overhead_ms,
            r.ttft_us / 1000.0 AS ttft_ms,
            r.prompt_tokens AS prompt_tokens,
            r.completion_tokens AS completion_tokens,
            r.cost_nusd / 1e9 AS cost_usd,
            r.cached AS cached,
            r.streamed AS streamed,
            (SELECT value FROM log_strings WHERE id = r.body_policy) AS body_policy,
            r.request_body AS request_body,
            r.response_body AS response_body
        FROM request_rows r;
        CREATE TABLE alert_states (
            fingerprint TEXT PRIMARY KEY,
            rule TEXT NOT NULL,
            labels TEXT NOT NULL,
            annotations TEXT NOT NULL,
            state TEXT NOT NULL,
            value REAL,
            active_since TEXT,
            fired_at TEXT,
            resolved_at TEXT,
            last_sent_at TEXT,
            evaluated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE alert_events (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            rule TEXT NOT NULL,
            state TEXT NOT NULL,
            value REAL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX alert_events_time ON alert_events(created_at);
        CREATE TABLE alert_outbox (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            receiver TEXT NOT NULL,
            status TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            last_error TEXT,
            delivered_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX alert_outbox_pending ON alert_outbox(next_attempt_ms) WHERE delivered_at IS NULL;
        )sql",
        // 13: pipelines (docs/pipelines.md). A run and the stages it finished (a row is written
        // only when a stage has finished, so a killed run never records unfinished work); the
        // run cache (stage key -> outputs, their bytes kept as objects); the stat cache that
        // spares re-reading unchanged files.
        R"sql(
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
        )sql",
        // 14: the feedback loop (docs/feedback.md): fine-tuning jobs as started through a
        // provider or an exec trainer, and the decisions of `llmops review` in progress (one
        // row per decided dataset row, so a review resumes where it stopped).
        R"sql(
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
        )sql",
        // 15: serve guardrails (docs/serve.md#guardrails): what each request's guardrails
        // found, as a bitmask (0 = nothing); the request_log view shows it.
        R"sql(
        ALTER TABLE request_rows ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
        DROP VIEW request_log;
        CREATE VIEW request_log AS SELECT
            r.id AS seq,
            printf('req_%016x', r.id) AS id,
            strftime('%Y-%m-%dT%H:%M:%S', (r.id >> 20) / 1000, 'unixepoch')
                || printf('.%03dZ', (r.id >> 20) % 1000) AS created_at,
            (SELECT value FROM log_strings WHERE id = r.env) AS env,
            (SELECT value FROM log_strings WHERE id = r.method) AS method,
            (SELECT value FROM log_strings WHERE id = r.path) AS path,
            (SELECT value FROM log_strings WHERE id = r.route) AS route,
            r.release_id AS release_id,
            r.release_number AS release_number,
            r.canary AS canary,
            (SELECT value FROM log_strings WHERE id = r.prompt_version) AS prompt_version,
            (SELECT value FROM log_strings WHERE id = r.provider) AS provider,
            (SELECT value FROM log_strings WHERE id = r.model) AS model,
            (SELECT value FROM log_strings WHERE id = r.key_name) AS key_name,
            CASE WHEN r.user_hash IS NULL THEN NULL ELSE printf('%016x', r.user_hash) END
                AS user_hash,
            r.status AS status,
            (SELECT value FROM log_strings WHERE id = r.error_kind) AS error_kind,
            r.error_message AS error_message,
            r.total_us / 1000.0 AS total_ms,
            r.queue_us / 1000.0 AS queue_ms,
            r.upstream_us / 1000.0 AS upstream_ms,
            r.overhead_us / 1000.0 AS overhead_ms,
            r.ttft_us / 1000.0 AS ttft_ms,
            r.prompt_tokens AS prompt_tokens,
            r.completion_tokens AS completion_tokens,
            r.cost_nusd / 1e9 AS cost_usd,
            r.cached AS cached,
            r.streamed AS streamed,
            (SELECT value FROM log_strings WHERE id = r.body_policy) AS body_policy,
            r.request_body AS request_body,
            r.response_body AS response_body,
            r.flags AS flags
        FROM request_rows r;
        )sql",
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
