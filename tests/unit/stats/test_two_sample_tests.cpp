// Unit tests for lib/stats/two_sample_tests. Sources of expected values:
//  [scipy]  SciPy 1.10.1 (Debian 12 python3-scipy): chi2_contingency(table, correction=False)
//           (whose statistic is z^2 of the pooled two-proportion z test), fisher_exact(table),
//           mannwhitneyu(a, b, method='asymptotic') (tie and continuity corrected).
//  [R]      R's documented examples: fisher.test on Agresti's tea tasting table and on the
//           job-satisfaction 2x2 of Wikipedia's "Fisher's exact test" ([[1, 9], [11, 3]]);
//           prop.test(c(15, 25), c(50, 50), correct = FALSE).
//  [hand]   derived by hand, derivation in the comment.
#include "core/error.hpp"
#include "stats/two_sample_tests.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace llmops::stats;

namespace {
constexpr double kTol = 1e-9;
}

TEST_CASE("two-proportion z test matches prop.test without continuity correction", "[two_sample]") {
    // [R] prop.test(c(15, 25), c(50, 50), correct = FALSE): X-squared = 4.1667,
    // p-value = 0.04123; [scipy] chi2 = 4.166666666666667, p = 0.041226833337163815.
    auto r = two_proportion_z_test(15, 50, 25, 50);
    CHECK(r.rate_a == Approx(0.3));
    CHECK(r.rate_b == Approx(0.5));
    CHECK(r.statistic == Approx(2.041241452319315).margin(kTol)); // sqrt(4.1667), b above a
    CHECK(r.statistic * r.statistic == Approx(4.166666666666667).margin(kTol));
    CHECK(r.p_value == Approx(0.041226833337163815).margin(kTol));
    CHECK_FALSE(r.exact);
    // The sign follows b - a; the p-value does not.
    auto swapped = two_proportion_z_test(25, 50, 15, 50);
    CHECK(swapped.statistic == Approx(-2.041241452319315).margin(kTol));
    CHECK(swapped.p_value == Approx(r.p_value).margin(kTol));

    // [scipy] 12/1000 vs 31/1000: chi2 = 8.579814856626777, p = 0.003399099308297788.
    auto large = two_proportion_z_test(12, 1000, 31, 1000);
    CHECK(large.statistic == Approx(2.9291320995521484).margin(kTol));
    CHECK(large.p_value == Approx(0.003399099308297788).margin(kTol));
    // [scipy] 83/86 vs 90/93: chi2 = 0.009508518748184158, p = 0.9223200957342685.
    CHECK(two_proportion_z_test(83, 86, 90, 93).p_value == Approx(0.9223200957342685).margin(kTol));
}

TEST_CASE("two-proportion z test without variance, and bad counts", "[two_sample]") {
    // [hand] no successes anywhere (or only successes): the pooled variance is 0, nothing to test.
    auto none = two_proportion_z_test(0, 40, 0, 60);
    CHECK(none.statistic == 0.0);
    CHECK(none.p_value == 1.0);
    CHECK(two_proportion_z_test(40, 40, 60, 60).p_value == 1.0);
    CHECK_THROWS_AS(two_proportion_z_test(1, 0, 0, 5), llmops::Error);
    CHECK_THROWS_AS(two_proportion_z_test(6, 5, 0, 5), llmops::Error);
    CHECK_THROWS_AS(two_proportion_z_test(-1, 5, 0, 5), llmops::Error);
}

TEST_CASE("Fisher's exact test matches R and scipy", "[two_sample]") {
    // [R] fisher.test(matrix(c(3, 1, 1, 3), 2)): the tea tasting lady, p-value = 0.4857;
    // [scipy] fisher_exact([[3, 1], [1, 3]]) = (9.0, 0.48571428571428565).
    auto tea = fisher_exact_test(3, 4, 1, 4);
    CHECK(tea.exact);
    CHECK(tea.statistic == Approx(9.0));
    CHECK(tea.p_value == Approx(0.48571428571428565).margin(kTol));
    // [R] Wikipedia's job satisfaction example, [[1, 9], [11, 3]]: p = 0.002759;
    // [scipy] (0.030303030303030304, 0.0027594561852200836).
    auto jobs = fisher_exact_test(1, 10, 11, 14);
    CHECK(jobs.statistic == Approx(0.030303030303030304).margin(kTol));
    CHECK(jobs.p_value == Approx(0.0027594561852200836).margin(kTol));
    // [scipy] fisher_exact([[7, 17], [15, 5]]) = (0.13725490196078433, 0.005768386750469949).
    auto scipy_doc = fisher_exact_test(7, 24, 15, 20);
    CHECK(scipy_doc.statistic == Approx(0.13725490196078433).margin(kTol));
    CHECK(scipy_doc.p_value == Approx(0.005768386750469949).margin(kTol));
    // [scipy] zero cells: [[0, 50], [5, 45]] = (0.0, 0.05628449442882433);
    // [[3, 17], [0, 20]] = (inf, 0.2307692307692308); [[2, 30], [0, 40]] = (inf,
    // 0.19405320813771518); a table with one column empty: p = 1, odds ratio NaN.
    auto zero = fisher_exact_test(0, 50, 5, 50);
    CHECK(zero.statistic == 0.0);
    CHECK(zero.p_value == Approx(0.05628449442882433).margin(kTol));
    auto inf = fisher_exact_test(3, 20, 0, 20);
    CHECK(std::isinf(inf.statistic));
    CHECK(inf.p_value == Approx(0.2307692307692308).margin(kTol));
    CHECK(fisher_exact_test(2, 32, 0, 40).p_value == Approx(0.19405320813771518).margin(kTol));
    auto empty_column = fisher_exact_test(0, 5, 0, 5);
    CHECK(std::isnan(empty_column.statistic));
    CHECK(empty_column.p_value == 1.0);
    // [scipy] identical tables: fisher_exact([[1, 99], [1, 99]]) = (1.0, 1.0).
    CHECK(fisher_exact_test(1, 100, 1, 100).p_value == Approx(1.0));
    CHECK_THROWS_AS(fisher_exact_test(3, 2, 0, 2), llmops::Error);
}

TEST_CASE("compare_proportions uses Fisher below an expected count of 5", "[two_sample]") {
    // [hand] 3 + 0 successes in 40 trials: expected = 20 * 3 / 40 = 1.5 < 5.
    CHECK(smallest_expected_count(3, 20, 0, 20) == Approx(1.5));
    CHECK(compare_proportions(3, 20, 0, 20).exact);
    // [hand] 15 + 25 successes in 100: expected = 50 * 40 / 100 = 20.
    CHECK(smallest_expected_count(15, 50, 25, 50) == Approx(20.0));
    CHECK_FALSE(compare_proportions(15, 50, 25, 50).exact);
    // [hand] the smaller column may be the failures: 98 + 99 successes of 200, 3 failures.
    CHECK(smallest_expected_count(98, 100, 99, 100) == Approx(1.5));
}

TEST_CASE("Mann-Whitney U matches scipy's asymptotic method", "[two_sample]") {
    // [scipy] documentation example: males = [19, 22, 16, 29, 24], females = [20, 11, 17, 12];
    // mannwhitneyu(males, females, method='asymptotic') = (17.0, 0.11134688653314041).
    auto doc = mann_whitney_u({19, 22, 16, 29, 24}, {20, 11, 17, 12});
    CHECK(doc.u == 17.0);
    CHECK(doc.p_value == Approx(0.11134688653314041).margin(kTol));
    CHECK(doc.prob_a_greater == Approx(17.0 / 20.0));
    CHECK(doc.z > 0);
    // [scipy] R's wilcox.test example (permeability constants of the human chorioamnion):
    // (35.0, 0.24462360512698333); R's exact one-sided p is 0.1272, the asymptotic 0.1223.
    auto permeability = mann_whitney_u({0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
                                       {1.15, 0.88, 0.90, 0.74, 1.21});
    CHECK(permeability.u == 35.0);
    CHECK(permeability.p_value == Approx(0.24462360512698333).margin(kTol));
    // [scipy] with ties: x = [1, 2, 2, 3, 3, 3, 4, 5], y = [3, 4, 4, 5, 5, 6, 7, 7, 8]:
    // (7.5, 0.006373133838085873); swapped (64.5, the same p).
    std::vector<double> x = {1, 2, 2, 3, 3, 3, 4, 5};
    std::vector<double> y = {3, 4, 4, 5, 5, 6, 7, 7, 8};
    auto tied = mann_whitney_u(x, y);
    CHECK(tied.u == 7.5);
    CHECK(tied.p_value == Approx(0.006373133838085873).margin(kTol));
    CHECK(tied.z < 0);
    auto swapped = mann_whitney_u(y, x);
    CHECK(swapped.u == 64.5);
    CHECK(swapped.p_value == Approx(0.006373133838085873).margin(kTol));
    // [scipy] complete separation, 10 vs 5: (0.0, 0.002694262019295913).
    auto separated = mann_whitney_u({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {11, 12, 13, 14, 15});
    CHECK(separated.u == 0.0);
    CHECK(separated.prob_a_greater == 0.0);
    CHECK(separated.p_value == Approx(0.002694262019295913).margin(kTol));
}

TEST_CASE("Mann-Whitney U edge cases", "[two_sample]") {
    // [scipy] every value tied: (3.0, 1.0); one value each: (1.0, 1.0), the continuity
    // correction swallows the whole gap.
    auto tied = mann_whitney_u({1, 1, 1}, {1, 1});
    CHECK(tied.u == 3.0);
    CHECK(tied.p_value == 1.0);
    CHECK(tied.prob_a_greater == 0.5);
    auto single = mann_whitney_u({5}, {3});
    CHECK(single.u == 1.0);
    CHECK(single.p_value == 1.0);
    CHECK_THROWS_AS(mann_whitney_u({}, {1.0}), llmops::Error);
    CHECK_THROWS_AS(mann_whitney_u({1.0, NAN}, {1.0}), llmops::Error);
    CHECK_THROWS_AS(mann_whitney_u({1.0}, {INFINITY}), llmops::Error);
}
