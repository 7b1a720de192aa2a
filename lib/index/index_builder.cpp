#include "index/index_builder.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"
#include "index/row_fields.hpp"

#include <unordered_map>

namespace llmops::index {

namespace {

void validate_field_name(const std::string& field, const char* option) {
    if (field.empty()) throw_usage(std::string(option) + " needs a field name");
}

std::int64_t insert_catalog_row(store::Database& db, const IndexBuildOptions& options,
                                const data::DatasetVersion& version) {
    store::Statement st = db.prepare(
        "INSERT INTO retrieval_indexes (name, dataset_version_id, source_ref, source_version, "
        "text_field, id_field, tokenizer, k1, b, document_count, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
    st.bind(1, options.name)
        .bind(2, version.id)
        .bind(3, options.data_ref)
        .bind(4, version.ref())
        .bind(5, options.text_field)
        .bind(6, options.id_field)
        .bind(7, kDefaultTokenizer)
        .bind(8, options.bm25.k1)
        .bind(9, options.bm25.b)
        .bind(10, now_iso8601());
    st.run();
    return db.last_insert_rowid();
}

} // namespace

IndexInfo build_index(store::Project& project, const IndexBuildOptions& options) {
    data::validate_dataset_name(options.name, "index name");
    validate_field_name(options.text_field, "--field");
    if (options.id_field) validate_field_name(*options.id_field, "--id");
    validate_bm25_params(options.bm25);

    store::Database& db = project.db();
    db.sqlite_handle("retrieval indexes"); // FTS5: refused on PostgreSQL before any write
    store::Transaction tx(db);
    data::DatasetVersion version = data::resolve_version(db, options.data_ref);
    if (std::optional<IndexInfo> existing = find_index(db, options.name)) {
        if (!options.replace)
            throw Error(ErrorKind::Usage, "an index named '" + options.name + "' exists", {},
                        "add --force to rebuild it, or 'llmops index rm " + options.name + "'");
        drop_index_tables(db, *existing);
    }

    IndexInfo draft;
    draft.id = insert_catalog_row(db, options, version);
    // Table names cannot be bound; this one is built from an integer id and our tokenizer.
    db.exec("CREATE VIRTUAL TABLE " + draft.fts_table() + " USING fts5(id UNINDEXED, text, " +
            "tokenize = '" + std::string(kDefaultTokenizer) + "')");
    store::Statement insert =
        db.prepare("INSERT INTO " + draft.fts_table() + " (id, text) VALUES (?, ?)");

    RowField text_field(options.text_field, version.ref());
    std::optional<RowField> id_field;
    if (options.id_field) id_field.emplace(*options.id_field, version.ref());
    std::unordered_map<std::string, std::int64_t> first_row_of_id;
    std::int64_t documents = 0;
    data::for_each_row(project, version, [&](std::string_view row, std::int64_t index) {
        std::string id = id_field ? id_field->text(row, index) : std::to_string(index);
        std::string text = text_field.text(row, index);
        auto [at, fresh] = first_row_of_id.emplace(id, index);
        if (!fresh)
            throw_bad_input("duplicate passage id '" + id + "' in " + version.ref() +
                                " (first in row " + std::to_string(at->second) + ")",
                            ErrorLocation{.row = index, .field = id_field->name()});
        insert.bind(1, id).bind(2, text);
        insert.run();
        ++documents;
        return true;
    });
    // One b-tree per term instead of many segments: faster queries for a one-off cost.
    db.prepare("INSERT INTO " + draft.fts_table() + " (" + draft.fts_table() +
               ") VALUES ('optimize')")
        .run();
    db.prepare("UPDATE retrieval_indexes SET document_count = ? WHERE id = ?")
        .bind(1, documents)
        .bind(2, draft.id)
        .run();
    tx.commit();
    return get_index(db, options.name);
}

} // namespace llmops::index
