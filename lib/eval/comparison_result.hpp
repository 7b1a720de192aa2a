#pragma once
// A paired comparison of two cells on the same cases, as `eval compare` prints it and as an
// eval run with a `baseline:` reports each cell against its baseline. Computed by
// eval_compare; the tests are in docs/metrics.md.
#include <cstddef>
#include <string>
#include <vector>

#include "stats/statistics.hpp"

namespace llmops::eval {

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
    std::string cell_a, cell_b; // labels; A is the baseline
    std::string paired_by;      // "id", "input", or "case" (two cells of one eval run)
    std::size_t paired = 0;
    std::size_t only_a = 0, only_b = 0; // cases without a partner
    std::vector<MetricComparison> metrics;
};

} // namespace llmops::eval
