#include "index/retrieval_index.hpp"

#include "core/error.hpp"

#include <limits>

namespace llmops::index {

nlohmann::json passages_json(const std::vector<Passage>& passages) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < passages.size(); ++i)
        out.push_back({{"rank", i + 1},
                       {"id", passages[i].id},
                       {"score", passages[i].score},
                       {"text", passages[i].text}});
    return out;
}

RetrievalIndex RetrievalIndex::open(store::Project& project, std::string_view name) {
    return open(project.db(), name);
}

RetrievalIndex RetrievalIndex::open(store::Database& db, std::string_view name) {
    return RetrievalIndex(db, get_index(db, name));
}

RetrievalIndex::RetrievalIndex(store::Database& db, IndexInfo info)
    : db_(&db), info_(std::move(info)), tokenizer_(db, info_.tokenizer) {
    register_bm25_function(db);
    const std::string table = info_.fts_table();
    // Table names cannot be bound; this one is built from the index's integer id.
    statement_ = std::make_unique<store::Statement>(
        db, "SELECT id, text, " + std::string(kBm25FunctionName) + "(" + table +
                ", ?1, ?2) AS score FROM " + table + " WHERE " + table +
                " MATCH ?3 ORDER BY score DESC, rowid LIMIT ?4");
}

std::vector<Passage> RetrievalIndex::search(std::string_view query, std::size_t k) const {
    return search(query, k, info_.bm25);
}

std::vector<Passage> RetrievalIndex::search(std::string_view query, std::size_t k,
                                            const Bm25Params& params) const {
    validate_bm25_params(params);
    std::vector<Passage> passages;
    if (k == 0) return passages;
    std::string expression = match_expression(tokenizer_.terms(query));
    if (expression.empty()) return passages;
    auto limit = static_cast<std::int64_t>(std::min<std::size_t>(
        k, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    store::Statement& st = *statement_;
    st.reset();
    st.bind(1, params.k1).bind(2, params.b).bind(3, expression).bind(4, limit);
    while (st.step())
        passages.push_back(Passage{
            .id = st.column_text(0), .text = st.column_text(1), .score = st.column_double(2)});
    st.reset();
    return passages;
}

} // namespace llmops::index
