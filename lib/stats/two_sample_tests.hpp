#pragma once
// Two-sample location and distribution tests on numeric samples, each as SciPy 1.10 computes
// it with its defaults (two-sided): Mann-Whitney U, Student / Welch t, Anderson-Darling
// k-sample (k = 2), Cramér-von Mises two-sample. Kolmogorov-Smirnov: kolmogorov_smirnov.hpp.
// Samples must be finite; a test that is undefined on its input throws BadInput saying why.
#include <string>
#include <vector>

namespace llmops::stats {

struct TwoSampleResult {
    double statistic = 0;
    double p_value = 1;
    std::string method; // "exact", "asymptotic", "interpolated" (Anderson-Darling)
};

// scipy.stats.mannwhitneyu(a, b): statistic U1 (for `a`); exact null distribution when one
// sample has at most 8 values and there are no ties (and m n <= 4,000,000, to bound memory),
// else the normal approximation with tie and continuity correction.
TwoSampleResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

// scipy.stats.ttest_ind(a, b, equal_var): Student's t with pooled variance, or Welch's t with
// Welch-Satterthwaite degrees of freedom.
TwoSampleResult t_test(const std::vector<double>& a, const std::vector<double>& b,
                       bool equal_variance);

// scipy.stats.anderson_ksamp([a, b]) (midrank): the standardized statistic and the p-value
// interpolated from Scholz & Stephens' table, capped to [0.001, 0.25] as scipy does.
TwoSampleResult anderson_darling_2(const std::vector<double>& a, const std::vector<double>& b);

// scipy.stats.cramervonmises_2samp(a, b): exact p-value when both samples have at most 20
// values, otherwise Anderson's (1962) limiting distribution.
TwoSampleResult cramer_von_mises_2(std::vector<double> a, std::vector<double> b);

// Average ranks (1-based) of the values, ties sharing the mean of their ranks.
std::vector<double> average_ranks(const std::vector<double>& values);

} // namespace llmops::stats
