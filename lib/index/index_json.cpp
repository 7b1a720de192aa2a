#include "index/index_json.hpp"

namespace llmops::index {

using nlohmann::json;

json query_json(const std::string& index_name, const std::string& query, std::size_t k,
                const Bm25Params& params, const std::vector<Passage>& passages) {
    return {{"index", index_name}, {"query", query}, {"k", k},
            {"k1", params.k1},     {"b", params.b},  {"results", passages_json(passages)}};
}

json to_json(const std::vector<IndexInfo>& indexes) {
    json out = json::array();
    for (const auto& info : indexes)
        out.push_back(info.to_json());
    return out;
}

json removal_json(const std::string& index_name) {
    return {{"removed", index_name}};
}

json evaluation_json(const IndexInfo& info, const LabelledQueries& labelled,
                     const EvaluationGrid& grid, const GridEvaluation& result) {
    json settings = json::array();
    for (std::size_t i = 0; i < result.settings.size(); ++i) {
        const auto& s = result.settings[i];
        json at_k = json::array();
        for (const auto& m : s.at_k)
            at_k.push_back(
                {{"k", m.k}, {"precision", m.precision}, {"recall", m.recall}, {"ndcg", m.ndcg}});
        settings.push_back({{"k1", s.params.k1},
                            {"b", s.params.b},
                            {"mrr", s.mrr},
                            {"at_k", at_k},
                            {"best", i == result.best}});
    }
    const auto& best = result.settings[result.best];
    double best_ndcg = 0;
    for (const auto& m : best.at_k)
        if (m.k == result.largest_k) best_ndcg = m.ndcg;
    return {{"index", info.name},
            {"dataset", labelled.source_version},
            {"queries", labelled.queries.size()},
            {"skipped", labelled.skipped},
            {"k", grid.ks},
            {"settings", settings},
            {"best",
             {{"k1", best.params.k1},
              {"b", best.params.b},
              {"k", result.largest_k},
              {"ndcg", best_ndcg}}}};
}

} // namespace llmops::index
