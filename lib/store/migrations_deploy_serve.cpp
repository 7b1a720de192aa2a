// The SQL of the deploy and serve steps: releases and traffic, the gateway's request log,
// feedback and keys, and serve guardrails (steps 8, 11, 15).
// Append only: a released migration never changes (see migrations.cpp).
#include "store/migration_steps.hpp"

namespace llmops::store::migration_sql {

// 8: deployments (docs/deploy.md). A release is immutable and numbered per environment
// and route; every attempt is kept, whatever its outcome; traffic holds what is live now
// and traffic_events every change of it, so "what was live at T" is one lookup.
const std::string_view deployments = R"sql(
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
        )sql";

// 11: the gateway (docs/serve.md): every request it answered, feedback about them, and
// API keys (only their SHA-256). request_log has no foreign keys: rows come from a
// gateway that may log to another database, and outlive releases.
const std::string_view gateway = R"sql(
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
        )sql";

// 15: serve guardrails (docs/serve.md#guardrails): what each request's guardrails
// found, as a bitmask (0 = nothing); the request_log view shows it.
const std::string_view serve_guardrails = R"sql(
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
        )sql";

// 16: tokens per key beside its cost and requests (request_key_spend), so that gateway
// replicas see each other's use of a key's tokens-per-minute limit. Counted from here on:
// replicas only ever read how much it grew.
const std::string_view shared_key_rates = R"sql(
        ALTER TABLE request_key_spend ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
        )sql";

} // namespace llmops::store::migration_sql
