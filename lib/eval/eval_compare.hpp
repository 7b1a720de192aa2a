#pragma once
// `llmops eval compare A B`: pairs the cases of two eval runs (by case id when ids are unique
// in both, else by the hash of the case's fields) and tests, per metric, whether B differs
// from A: McNemar for pass/fail values, Wilcoxon signed-rank for numeric scores, and a 95%
// paired bootstrap interval of the mean difference. Formulas: docs/metrics.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/statistics.hpp"
#include "store/database.hpp"

namespace llmops::eval {

struct CompareOptions {
    std::string metric; // only this metric label ("" = all, plus the case pass rate)
    double alpha = 0.05;
    int resamples = 10000;
    std::uint64_t seed = 0;
};

struct MetricComparison {
    std::string metric; // a label, or "pass" for the case verdict
    std::string test;   // "mcnemar-exact", "mcnemar-chi2", "wilcoxon-exact", "wilcoxon-normal"
    bool lower_is_better = false;
    std::size_t pairs = 0;
    double mean_a = 0, mean_b = 0, diff = 0; // diff = mean_b - mean_a
    stats::BootstrapCI ci;
    double p_value = 1;
    bool significant = false;
    bool regression = false;            // significant, and B is worse
    std::vector<std::string> regressed; // case ids where B is worse than A
};

struct CellComparison {
    std::string cell_a, cell_b;
    std::string paired_by; // "id" or "input"
    std::size_t paired = 0;
    std::size_t only_a = 0, only_b = 0; // cases without a partner
    std::vector<MetricComparison> metrics;
};

struct EvalComparison {
    std::int64_t run_a = 0, run_b = 0;
    double alpha = 0.05;
    std::vector<CellComparison> cells;
    std::vector<std::string> unmatched_cells;
    bool regression = false; // any metric of any cell
};

// Throws Error(BadInput) for unknown runs, a metric neither run has, or no cell in common.
EvalComparison compare_eval_runs(store::Database& db, std::string_view run_a,
                                 std::string_view run_b, const CompareOptions& options = {});

nlohmann::json comparison_to_json(const EvalComparison& comparison);

} // namespace llmops::eval
