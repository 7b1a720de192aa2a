#pragma once
// Retrieval indexes in store.db: the retrieval_indexes catalog (schema 7) and, per index, the
// FTS5 table retrieval_index_<id> holding its passages (docs/store-format.md).
#include "index/bm25.hpp"
#include "store/database.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::index {

// How passages are split into terms: Unicode-aware words, case-folded, diacritics removed
// ("Café" and "cafe" match). No stemming, no stop words. Stored with each index so that a
// later default never changes how an existing index reads its queries.
inline constexpr std::string_view kDefaultTokenizer = "unicode61 remove_diacritics 2";

struct IndexInfo {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::int64_t> dataset_version_id; // null once that version is removed
    std::string source_ref;                         // the reference given to `index build`
    std::string source_version;                     // what it resolved to, NAME@N
    std::string text_field;
    std::optional<std::string> id_field; // none: ids are 0-based row numbers
    std::string tokenizer;
    Bm25Params bm25; // the defaults for queries
    std::int64_t documents = 0;
    std::string created_at;

    // The FTS5 table holding the passages.
    std::string fts_table() const;
    // {"name", "dataset", "source_ref", "dataset_available", "text_field", "id_field",
    //  "tokenizer", "k1", "b", "documents", "created_at"} (docs/retrieval.md).
    nlohmann::json to_json() const;
};

std::optional<IndexInfo> find_index(store::Database& db, std::string_view name);
// Throws Error(BadInput) naming the index when there is none.
IndexInfo get_index(store::Database& db, std::string_view name);
// By name.
std::vector<IndexInfo> list_indexes(store::Database& db);

// Removes an index and its passages in one transaction. Throws Error(BadInput) when there is
// no such index.
void remove_index(store::Database& db, std::string_view name);

// Within the caller's transaction: the catalog row and the FTS5 table of index.
void drop_index_tables(store::Database& db, const IndexInfo& index);

} // namespace llmops::index
