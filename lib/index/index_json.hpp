#pragma once
// The --json shapes of the index commands (query, list, rm, eval; docs/index.md). An index on
// its own is IndexInfo::to_json.
#include "index/index_catalog.hpp"
#include "index/index_evaluation.hpp"
#include "index/retrieval_index.hpp"

#include <nlohmann/json.hpp>

namespace llmops::index {

// `index query`: {"index", "query", "k", "k1", "b", "results": passages}.
nlohmann::json query_json(const std::string& index_name, const std::string& query, std::size_t k,
                          const Bm25Params& params, const std::vector<Passage>& passages);
// `index list`: the indexes' to_json.
nlohmann::json to_json(const std::vector<IndexInfo>& indexes);
// `index rm`: {"removed"}.
nlohmann::json removal_json(const std::string& index_name);
// `index eval`: {"index", "dataset", "queries", "skipped", "k", "settings": [...], "best"}.
nlohmann::json evaluation_json(const IndexInfo& info, const LabelledQueries& labelled,
                               const EvaluationGrid& grid, const GridEvaluation& result);

} // namespace llmops::index
