#include "index/index_catalog.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"

namespace llmops::index {

using store::Statement;

namespace {

constexpr const char* kSelectColumns =
    "SELECT id, name, dataset_version_id, source_ref, source_version, text_field, id_field, "
    "tokenizer, k1, b, document_count, created_at FROM retrieval_indexes";

IndexInfo read_info(const Statement& st) {
    IndexInfo info;
    info.id = st.column_int(0);
    info.name = st.column_text(1);
    if (!st.is_null(2)) info.dataset_version_id = st.column_int(2);
    info.source_ref = st.column_text(3);
    info.source_version = st.column_text(4);
    info.text_field = st.column_text(5);
    info.id_field = st.column_optional_text(6);
    info.tokenizer = st.column_text(7);
    info.bm25 = Bm25Params{.k1 = st.column_double(8), .b = st.column_double(9)};
    info.documents = st.column_int(10);
    info.created_at = st.column_text(11);
    return info;
}

} // namespace

std::string IndexInfo::fts_table() const {
    return "retrieval_index_" + std::to_string(id);
}

nlohmann::json IndexInfo::to_json() const {
    return {{"name", name},
            {"dataset", source_version},
            {"source_ref", source_ref},
            {"dataset_available", dataset_version_id.has_value()},
            {"text_field", text_field},
            {"id_field", id_field ? nlohmann::json(*id_field) : nlohmann::json(nullptr)},
            {"tokenizer", tokenizer},
            {"k1", bm25.k1},
            {"b", bm25.b},
            {"documents", documents},
            {"created_at", created_at}};
}

std::optional<IndexInfo> find_index(store::Database& db, std::string_view name) {
    Statement st = db.prepare(std::string(kSelectColumns) + " WHERE name = ?");
    st.bind(1, name);
    if (!st.step()) return std::nullopt;
    return read_info(st);
}

IndexInfo get_index(store::Database& db, std::string_view name) {
    std::optional<IndexInfo> info = find_index(db, name);
    if (!info) {
        std::vector<std::string> names;
        for (Statement all = db.prepare("SELECT name FROM retrieval_indexes ORDER BY name");
             all.step();)
            names.push_back(all.column_text(0));
        throw Error(ErrorKind::BadInput,
                    with_did_you_mean("no index named '" + std::string(name) + "'", name, names),
                    {}, "run 'llmops index list' to see the indexes");
    }
    return *info;
}

std::vector<IndexInfo> list_indexes(store::Database& db) {
    Statement st = db.prepare(std::string(kSelectColumns) + " ORDER BY name");
    std::vector<IndexInfo> out;
    while (st.step())
        out.push_back(read_info(st));
    return out;
}

void drop_index_tables(store::Database& db, const IndexInfo& index) {
    db.prepare("DELETE FROM retrieval_indexes WHERE id = ?").bind(1, index.id).run();
    // A table name cannot be a bound parameter; this one is built from an integer id.
    db.exec("DROP TABLE IF EXISTS " + index.fts_table());
}

void remove_index(store::Database& db, std::string_view name) {
    store::Transaction tx(db);
    IndexInfo info = get_index(db, name);
    drop_index_tables(db, info);
    tx.commit();
}

} // namespace llmops::index
