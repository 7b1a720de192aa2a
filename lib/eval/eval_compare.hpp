#pragma once
// `llmops eval compare A B`: pairs the cases of two eval runs (by case id when ids are unique
// in both, else by the hash of the case's fields), or of two cells of one run (case by case),
// and tests, per metric, whether B differs from A: McNemar for pass/fail values, Wilcoxon
// signed-rank for numeric scores, and a 95% paired bootstrap interval of the mean difference.
// Formulas: docs/metrics.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/comparison_result.hpp"
#include "eval/eval_result.hpp"
#include "eval/eval_store.hpp"
#include "store/database.hpp"

namespace llmops::eval {

struct CompareOptions {
    std::string metric; // only this metric label ("" = all, plus the case pass rate)
    double alpha = 0.05;
    int resamples = 10000;
    std::uint64_t seed = 0;
};

struct EvalComparison {
    std::int64_t run_a = 0, run_b = 0; // the same run for two cells of one run
    double alpha = 0.05;
    std::vector<CellComparison> cells;
    std::vector<std::string> unmatched_cells;
    bool regression = false; // any metric of any cell
};

// Throws Error(BadInput) for unknown runs, a metric neither run has, or no cell in common.
EvalComparison compare_eval_runs(store::Database& db, std::string_view run_a,
                                 std::string_view run_b, const CompareOptions& options = {});

// Two cells of one eval run (`eval compare RUN --cells A B`), paired case by case. A cell is
// named by its label as `eval show` prints it ("qa@3 × local", with " x " or "/" for " × "),
// or by its prompt (qa@3, or qa) or its provider label alone when that names one cell. Throws
// Error(BadInput) for a name that matches no cell or several, listing the cells.
EvalComparison compare_cells_of_run(store::Database& db, std::string_view run,
                                    std::string_view cell_a, std::string_view cell_b,
                                    const CompareOptions& options = {});

// The index of the cell `name` names (rules above) among `labels`; throws as above.
std::size_t find_cell(const std::vector<std::string>& labels, std::string_view name);

// Each pair of the run's `baseline:` (A = the baseline cell), with the default options.
std::vector<CellComparison> compare_with_baseline(store::Database& db, const EvalRunHeader& header);

nlohmann::json comparison_to_json(const EvalComparison& comparison);
nlohmann::json cell_comparison_to_json(const CellComparison& comparison);

} // namespace llmops::eval
