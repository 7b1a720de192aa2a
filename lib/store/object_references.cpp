#include "store/object_references.hpp"

namespace llmops::store {

namespace {
// Each query returns (hash, owner description). Extended as domains add tables.
const char* const kReferenceQueries[] = {
    "SELECT value, 'meta ' || key FROM meta WHERE key LIKE 'object:%'",
};
} // namespace

std::vector<ObjectReference> list_object_references(Database& db) {
    std::vector<ObjectReference> refs;
    for (const char* sql : kReferenceQueries) {
        Statement st = db.prepare(sql);
        while (st.step()) refs.push_back({st.column_text(0), st.column_text(1)});
    }
    return refs;
}

} // namespace llmops::store
