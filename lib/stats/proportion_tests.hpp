#pragma once
// Comparing two error rates (canary analysis): the two-proportion z test, or Fisher's exact test
// when a cell's expected count is small, both from contingency_tests. Counts are successes
// x of n trials per sample; a negative count or x > n throws BadInput.
#include <cstdint>

namespace llmops::stats {

struct ProportionComparison {
    double rate_a = 0; // x_a / n_a
    double rate_b = 0;
    double statistic = 0; // z of b minus a for the z test; the sample odds ratio for Fisher
    double p_value = 1;   // two-sided
    bool exact = false;   // Fisher's exact test was used
};

// The smallest expected cell count of the 2x2 table under independence.
double smallest_expected_count(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                               std::int64_t n_b);

// Fisher's exact test when the smallest expected count is below 5 (the usual rule for the
// normal approximation), else the pooled two-proportion z test.
ProportionComparison compare_proportions(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                         std::int64_t n_b);

} // namespace llmops::stats
