#include "index/index_evaluation.hpp"

#include "core/error.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "index/ranking_metrics.hpp"
#include "index/row_fields.hpp"

#include <algorithm>

namespace llmops::index {

LabelledQueries load_labelled_queries(store::Project& project, const std::string& data_ref,
                                      const std::string& query_field,
                                      const std::string& relevant_field) {
    if (query_field.empty()) throw_usage("--query-field needs a field name");
    if (relevant_field.empty()) throw_usage("--relevant-field needs a field name");
    data::DatasetVersion version = data::resolve_version(project.db(), data_ref);
    LabelledQueries out;
    out.source_version = version.ref();
    RowField query(query_field, version.ref());
    RowField relevant(relevant_field, version.ref());
    data::for_each_row(project, version, [&](std::string_view row, std::int64_t index) {
        LabelledQuery q{
            .row = index, .text = query.text(row, index), .relevant = relevant.ids(row, index)};
        if (q.relevant.empty())
            ++out.skipped;
        else
            out.queries.push_back(std::move(q));
        return true;
    });
    return out;
}

namespace {

void validate_grid(const EvaluationGrid& grid) {
    if (grid.ks.empty()) throw_usage("the list of k values is empty");
    if (grid.k1_values.empty()) throw_usage("the list of k1 values is empty");
    if (grid.b_values.empty()) throw_usage("the list of b values is empty");
    for (std::size_t k : grid.ks)
        if (k == 0) throw_usage("k must be at least 1");
    for (double k1 : grid.k1_values)
        for (double b : grid.b_values)
            validate_bm25_params(Bm25Params{.k1 = k1, .b = b});
}

std::vector<std::string> ids_of(const std::vector<Passage>& passages) {
    std::vector<std::string> ids;
    ids.reserve(passages.size());
    for (const auto& p : passages)
        ids.push_back(p.id);
    return ids;
}

SettingResult evaluate_setting(const RetrievalIndex& index,
                               const std::vector<LabelledQuery>& queries,
                               const std::vector<std::size_t>& ks, std::size_t largest_k,
                               const Bm25Params& params) {
    SettingResult result{.params = params, .mrr = 0, .at_k = {}};
    for (std::size_t k : ks)
        result.at_k.push_back(MetricsAtK{.k = k});
    for (const auto& query : queries) {
        std::vector<std::string> retrieved = ids_of(index.search(query.text, largest_k, params));
        result.mrr += index::reciprocal_rank(retrieved, query.relevant, largest_k);
        for (auto& m : result.at_k) {
            m.precision += index::precision_at_k(retrieved, query.relevant, m.k);
            // Defined: every loaded query has a relevant id.
            m.recall += index::recall_at_k(retrieved, query.relevant, m.k).value_or(0.0);
            m.ndcg += index::ndcg_at_k(retrieved, query.relevant, m.k).value_or(0.0);
        }
    }
    const auto n = static_cast<double>(queries.size());
    result.mrr /= n;
    for (auto& m : result.at_k) {
        m.precision /= n;
        m.recall /= n;
        m.ndcg /= n;
    }
    return result;
}

} // namespace

GridEvaluation evaluate_grid(const RetrievalIndex& index, const std::vector<LabelledQuery>& queries,
                             const EvaluationGrid& grid) {
    validate_grid(grid);
    if (queries.empty()) throw_bad_input("no labelled queries: no row has a relevant id");
    GridEvaluation out;
    out.largest_k = *std::max_element(grid.ks.begin(), grid.ks.end());
    const auto largest_at = static_cast<std::size_t>(
        std::max_element(grid.ks.begin(), grid.ks.end()) - grid.ks.begin());
    for (double k1 : grid.k1_values)
        for (double b : grid.b_values)
            out.settings.push_back(evaluate_setting(index, queries, grid.ks, out.largest_k,
                                                    Bm25Params{.k1 = k1, .b = b}));
    // A margin so that rounding noise between equal rankings never decides the best.
    constexpr double kMargin = 1e-12;
    for (std::size_t i = 1; i < out.settings.size(); ++i)
        if (out.settings[i].at_k[largest_at].ndcg >
            out.settings[out.best].at_k[largest_at].ndcg + kMargin)
            out.best = i;
    return out;
}

} // namespace llmops::index
