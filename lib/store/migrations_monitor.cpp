// The SQL of the monitor step: the request log in the compact form the monitor queries, and
// alert state, history and delivery outbox (step 12).
// Append only: a released migration never changes (see migrations.cpp).
#include "store/migration_steps.hpp"

namespace llmops::store::migration_sql {

// 12: the request log in its compact form (docs/store-format.md, docs/performance.md):
// rows keyed by their time-ordered id (created ms << 20 | sequence), so a time range is
// a range of the primary key and no other index is needed; strings interned in
// log_strings; latencies in microseconds, cost in nano-USD; the spend per key kept as a
// running total (budgets outlive `logs prune`). request_log becomes a view with the
// columns of schema 11. Old rows get ids from their time and seq (their text ids could
// not be kept). Alert state, history and the delivery outbox (docs/monitoring.md).
const std::string_view compact_request_log_and_alerts = R"sql(
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
        )sql";

} // namespace llmops::store::migration_sql
