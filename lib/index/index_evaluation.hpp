#pragma once
// `index eval`: retrieval quality of an index against a labelled dataset (a query and its
// relevant passage ids per row), over a grid of BM25 parameters. Metrics are the trec_eval
// definitions of eval/metrics/retrieval.hpp, averaged over the queries.
#include "index/retrieval_index.hpp"
#include "store/project.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace llmops::index {

struct LabelledQuery {
    std::int64_t row = 0; // 0-based row of the labelled dataset
    std::string text;
    std::vector<std::string> relevant; // passage ids; never empty
};

struct LabelledQueries {
    std::string source_version; // NAME@N of the labelled dataset
    std::vector<LabelledQuery> queries;
    std::int64_t skipped = 0; // rows with no relevant ids: recall and nDCG are undefined there
};

// Reads every row's query_field (string or number) and relevant_field (an array of ids, one
// id, null or []). Throws Error(BadInput) for an unknown dataset or a missing or mistyped
// field, naming the row and field.
LabelledQueries load_labelled_queries(store::Project& project, const std::string& data_ref,
                                      const std::string& query_field,
                                      const std::string& relevant_field);

struct MetricsAtK {
    std::size_t k = 0;
    double precision = 0; // mean P@k
    double recall = 0;    // mean recall@k
    double ndcg = 0;      // mean nDCG@k (binary relevance)
};

struct SettingResult {
    Bm25Params params;
    double mrr = 0; // mean reciprocal rank of the first relevant passage within the largest k
    std::vector<MetricsAtK> at_k; // in the order of the grid's ks
};

struct EvaluationGrid {
    std::vector<std::size_t> ks;   // each > 0
    std::vector<double> k1_values; // each >= 0
    std::vector<double> b_values;  // each in [0, 1]
};

struct GridEvaluation {
    std::vector<SettingResult> settings; // every (k1, b), k1 outer, in the grid's order
    std::size_t best = 0;                // highest nDCG at the largest k; the first on ties
    std::size_t largest_k = 0;
};

// Runs each query once per setting, retrieving the largest k passages. Throws Error(Usage)
// for an empty list in the grid, a k of 0 or out-of-range BM25 parameters, and
// Error(BadInput) when there are no queries.
GridEvaluation evaluate_grid(const RetrievalIndex& index, const std::vector<LabelledQuery>& queries,
                             const EvaluationGrid& grid);

} // namespace llmops::index
