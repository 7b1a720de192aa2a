#include "store/object_references.hpp"

namespace llmops::store {

namespace {
// Each query returns (hash, owner description). Extended as domains add tables.
struct ReferenceQuery {
    const char* sql;
    const char* postgres_sql = nullptr; // where SQLite's JSON functions are used; else sql
};
const ReferenceQuery kReferenceQueries[] = {
    {"SELECT value, 'meta ' || key FROM meta WHERE key LIKE 'object:%'"},
    {"SELECT v.manifest, 'dataset ' || d.name || '@' || v.number || ' manifest' "
     "FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id"},
    {"SELECT c.chunk, 'dataset ' || d.name || '@' || v.number || ' chunk ' || c.seq "
     "FROM dataset_chunks c JOIN dataset_versions v ON v.id = c.version_id "
     "JOIN datasets d ON d.id = v.dataset_id"},
    {"SELECT v.spec, 'prompt ' || p.name || '@' || v.number || ' spec' "
     "FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id"},
    // The gateway's Batch API (serve/batch_store): files and the result chunks of batches.
    {"SELECT json_extract(value, '$.object'), 'batch file ' || substr(key, 6) "
     "FROM meta WHERE key LIKE 'file:%'",
     "SELECT value::jsonb ->> 'object', 'batch file ' || substr(key, 6) "
     "FROM meta WHERE key LIKE 'file:%'"},
    {"SELECT j.value, 'batch ' || substr(m.key, 7) || ' results' "
     "FROM meta m, json_each(m.value, '$.llmops.chunks') j WHERE m.key LIKE 'batch:%'",
     "SELECT j.value, 'batch ' || substr(m.key, 7) || ' results' FROM meta m, "
     "jsonb_array_elements_text(m.value::jsonb -> 'llmops' -> 'chunks') j "
     "WHERE m.key LIKE 'batch:%'"},
    // The pipeline run cache (pipeline/run_cache): outputs kept for restoring.
    {"SELECT o.object, 'pipeline cache ' || c.stage || ' ' || substr(c.stage_key, 1, 12) "
     "FROM pipeline_cache_objects o JOIN pipeline_cache c ON c.stage_key = o.stage_key"},
};
} // namespace

std::vector<ObjectReference> list_object_references(Database& db) {
    std::vector<ObjectReference> refs;
    bool postgres = db.dialect() == Dialect::PostgreSQL;
    for (const auto& query : kReferenceQueries) {
        Statement st = db.prepare(postgres && query.postgres_sql ? query.postgres_sql : query.sql);
        while (st.step())
            refs.push_back({st.column_text(0), st.column_text(1)});
    }
    return refs;
}

} // namespace llmops::store
