#include "store/postgres_schema.hpp"

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/postgres_sql.hpp"

#include <map>
#include <set>
#include <vector>

namespace llmops::store {

namespace {

// The one object whose SQLite text uses functions PostgreSQL lacks (printf, strftime): the
// request_log view of schema 15 (migrations_deploy_serve.cpp), the same columns computed with
// PostgreSQL's functions. Latencies and cost are float8 divisions, as SQLite's REAL ones are,
// so both backends return the same doubles. A migration that changes the view changes this.
constexpr const char* kRequestLogView = R"sql(
        CREATE VIEW request_log AS SELECT
            r.id AS seq,
            'req_' || lpad(to_hex(r.id), 16, '0') AS id,
            to_char(to_timestamp(((r.id >> 20) / 1000)::float8) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS')
                || '.' || lpad(CAST((r.id >> 20) % 1000 AS TEXT), 3, '0') || 'Z' AS created_at,
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
            CASE WHEN r.user_hash IS NULL THEN NULL ELSE lpad(to_hex(r.user_hash), 16, '0') END
                AS user_hash,
            r.status AS status,
            (SELECT value FROM log_strings WHERE id = r.error_kind) AS error_kind,
            r.error_message AS error_message,
            r.total_us::float8 / 1000.0::float8 AS total_ms,
            r.queue_us::float8 / 1000.0::float8 AS queue_ms,
            r.upstream_us::float8 / 1000.0::float8 AS upstream_ms,
            r.overhead_us::float8 / 1000.0::float8 AS overhead_ms,
            r.ttft_us::float8 / 1000.0::float8 AS ttft_ms,
            r.prompt_tokens AS prompt_tokens,
            r.completion_tokens AS completion_tokens,
            r.cost_nusd::float8 / 1e9::float8 AS cost_usd,
            r.cached AS cached,
            r.streamed AS streamed,
            (SELECT value FROM log_strings WHERE id = r.body_policy) AS body_policy,
            r.request_body AS request_body,
            r.response_body AS response_body,
            r.flags AS flags
        FROM request_rows r
)sql";

const std::map<std::string, std::string>& postgres_overrides() {
    static const std::map<std::string, std::string> overrides = {{"request_log", kRequestLogView}};
    return overrides;
}

struct SchemaObject {
    std::string type, name, sql;
};

// Tables first, each after the tables it references (SQLite lets a table name a later one;
// PostgreSQL does not), then indexes, then views.
std::vector<SchemaObject> in_creation_order(Database& sqlite, std::vector<SchemaObject> objects) {
    std::map<std::string, std::set<std::string>> references;
    for (const auto& o : objects) {
        if (o.type != "table") continue;
        auto st = sqlite.prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)");
        st.bind(1, o.name);
        while (st.step())
            if (st.column_text(0) != o.name) references[o.name].insert(st.column_text(0));
    }
    std::vector<SchemaObject> ordered;
    std::set<std::string> created;
    for (const char* type : {"table", "index", "view"}) {
        bool progress = true;
        while (progress) {
            progress = false;
            for (const auto& o : objects) {
                if (o.type != type || created.count(o.name)) continue;
                bool ready = true;
                for (const auto& target : references[o.name])
                    ready = ready && created.count(target);
                if (!ready) continue;
                ordered.push_back(o);
                created.insert(o.name);
                progress = true;
            }
        }
    }
    if (ordered.size() != objects.size())
        throw Error(ErrorKind::Store, "the schema's tables reference each other in a cycle");
    return ordered;
}

} // namespace

void create_postgres_schema(Database& postgres) {
    Database sqlite = Database::open(std::filesystem::path(":memory:"), true);
    migrate(sqlite);
    std::vector<SchemaObject> objects;
    auto st = sqlite.prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL "
                             "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid");
    while (st.step())
        objects.push_back({st.column_text(0), st.column_text(1), st.column_text(2)});
    for (const auto& o : in_creation_order(sqlite, std::move(objects))) {
        auto override_sql = postgres_overrides().find(o.name);
        postgres.exec(override_sql != postgres_overrides().end() ? override_sql->second : o.sql);
    }
}

} // namespace llmops::store
