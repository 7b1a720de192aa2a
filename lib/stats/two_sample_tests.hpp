#pragma once
// Tests for two independent samples (unpaired), as a canary analysis compares the requests a
// canary served with those its stable release served: a two-proportion z test and Fisher's
// exact test for rates, and the Mann–Whitney U test for values. Pure functions; invalid input
// throws llmops::Error (BadInput). docs/deploy.md gives the formulas, docs/metrics.md the
// reference implementations each one matches.
#include <cstdint>
#include <vector>

namespace llmops::stats {

struct ProportionTestResult {
    double rate_a = 0; // successes_a / n_a (0 when n_a is 0)
    double rate_b = 0;
    double statistic = 0; // z (b minus a) for the z test; the sample odds ratio for Fisher
    double p_value = 1;   // two-sided
    bool exact = false;   // Fisher's exact test was used
};

// Two-proportion z test with the pooled proportion, two-sided: z = (p_b - p_a) /
// sqrt(p (1 - p) (1/n_a + 1/n_b)), p = (x_a + x_b) / (n_a + n_b). Its square is the
// chi-square of R's prop.test(correct = FALSE) and scipy's chi2_contingency(correction=False).
// When every count is 0 or every trial succeeded there is no variance: z = 0, p = 1.
// Throws when a count is negative, exceeds its trials, or a sample has no trials.
ProportionTestResult two_proportion_z_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                           std::int64_t n_b);

// Fisher's exact test on the 2x2 table [[x_a, n_a - x_a], [x_b, n_b - x_b]], two-sided as R's
// fisher.test and scipy's fisher_exact: the probability, under the hypergeometric law with the
// table's margins, of every table no more likely than the one observed (with R's relative
// tolerance of 1e-7). `statistic` is the sample odds ratio (x_a (n_b - x_b)) / ((n_a - x_a)
// x_b), infinite or NaN when a cell is 0, as scipy reports it.
ProportionTestResult fisher_exact_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                       std::int64_t n_b);

// The smallest expected count of the 2x2 table under independence; Cochran's rule uses Fisher
// when it is below 5.
double smallest_expected_count(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                               std::int64_t n_b);

// Fisher's exact test when the smallest expected count is below 5, else the z test.
ProportionTestResult compare_proportions(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                         std::int64_t n_b);

struct MannWhitneyResult {
    double u = 0;       // U of sample a: R_a - n_a (n_a + 1) / 2 (scipy's statistic)
    double z = 0;       // of U_a, with the continuity correction towards the mean; 0 when p = 1
    double p_value = 1; // two-sided, normal approximation
    // P(A > B) + P(A = B) / 2 = U_a / (n_a n_b): 0.5 when neither sample tends to be larger.
    double prob_a_greater = 0.5;
    std::size_t n_a = 0;
    std::size_t n_b = 0;
};

// Mann–Whitney U test, two-sided, normal approximation with the tie correction and the 0.5
// continuity correction: scipy.stats.mannwhitneyu(a, b, method='asymptotic') and R's
// wilcox.test(a, b, exact = FALSE, correct = TRUE). sigma^2 = n_a n_b / 12 ((n + 1) -
// sum(t^3 - t) / (n (n - 1))) over tie groups of size t; z = (|U_a - n_a n_b / 2| - 0.5) /
// sigma. When every value is tied (sigma = 0) p = 1. Throws on an empty sample or a value that
// is not finite. O(n log n).
MannWhitneyResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

} // namespace llmops::stats
