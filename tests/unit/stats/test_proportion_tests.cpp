// Unit tests for lib/stats/proportion_tests (and Mann-Whitney U as canary analysis reads it).
// Sources of expected values:
//  [scipy]  SciPy 1.10.1: chi2_contingency(table, correction=False) (whose statistic is z^2 of
//           the pooled two-proportion z test), fisher_exact(table), mannwhitneyu(a, b).
//  [R]      R's documented examples: fisher.test on Agresti's tea tasting table;
//           prop.test(c(15, 25), c(50, 50), correct = FALSE).
//  [enum]   exact Mann-Whitney p-values by enumerating every split of the pooled sample.
//  [hand]   derived by hand, derivation in the comment.
#include "core/error.hpp"
#include "stats/proportion_tests.hpp"
#include "stats/two_sample_tests.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace llmops::stats;

namespace {
constexpr double kTol = 1e-9;
}

TEST_CASE("compare_proportions: the z test matches prop.test", "[proportion]") {
    // [R] prop.test(c(15, 25), c(50, 50), correct = FALSE): X-squared = 4.1667,
    // p-value = 0.04123; [scipy] chi2 = 4.166666666666667, p = 0.041226833337163815.
    auto r = compare_proportions(15, 50, 25, 50);
    CHECK_FALSE(r.exact);
    CHECK(r.rate_a == Approx(0.3));
    CHECK(r.rate_b == Approx(0.5));
    CHECK(r.statistic == Approx(2.041241452319315).margin(kTol)); // b above a: positive
    CHECK(r.p_value == Approx(0.041226833337163815).margin(kTol));
    auto swapped = compare_proportions(25, 50, 15, 50);
    CHECK(swapped.statistic == Approx(-2.041241452319315).margin(kTol));
    CHECK(swapped.p_value == Approx(r.p_value).margin(kTol));
    // [scipy] 12/1000 vs 31/1000: chi2 = 8.579814856626777, p = 0.003399099308297788.
    auto large = compare_proportions(12, 1000, 31, 1000);
    CHECK(large.statistic == Approx(2.9291320995521484).margin(kTol));
    CHECK(large.p_value == Approx(0.003399099308297788).margin(kTol));
}

TEST_CASE("compare_proportions: Fisher below an expected count of 5", "[proportion]") {
    // [hand] 3 + 0 successes in 40 trials: expected = 20 * 3 / 40 = 1.5 < 5.
    CHECK(smallest_expected_count(3, 20, 0, 20) == Approx(1.5));
    // [hand] 15 + 25 successes in 100: expected = 50 * 40 / 100 = 20.
    CHECK(smallest_expected_count(15, 50, 25, 50) == Approx(20.0));
    // [hand] the smaller column may be the failures: 98 + 99 successes of 200, 3 failures.
    CHECK(smallest_expected_count(98, 100, 99, 100) == Approx(1.5));
    // [R] the tea tasting lady, fisher.test(matrix(c(3, 1, 1, 3), 2)): p-value = 0.4857;
    // [scipy] fisher_exact([[3, 1], [1, 3]]) = (9.0, 0.48571428571428565).
    auto tea = compare_proportions(3, 4, 1, 4);
    CHECK(tea.exact);
    CHECK(tea.statistic == Approx(9.0));
    CHECK(tea.p_value == Approx(0.48571428571428565).margin(kTol));
    // [scipy] [[3, 17], [0, 20]] = (inf, 0.2307692307692308).
    auto inf = compare_proportions(3, 20, 0, 20);
    CHECK(inf.exact);
    CHECK(std::isinf(inf.statistic));
    CHECK(inf.p_value == Approx(0.2307692307692308).margin(kTol));
    // [scipy] identical tables: fisher_exact([[1, 99], [1, 99]]) = (1.0, 1.0).
    CHECK(compare_proportions(1, 100, 1, 100).p_value == Approx(1.0));
    // [hand] no failures anywhere: nothing to test.
    CHECK(compare_proportions(40, 40, 60, 60).p_value == 1.0);
}

TEST_CASE("compare_proportions refuses impossible counts", "[proportion]") {
    CHECK_THROWS_AS(compare_proportions(1, 0, 0, 5), llmops::Error);
    CHECK_THROWS_AS(compare_proportions(6, 5, 0, 5), llmops::Error);
    CHECK_THROWS_AS(compare_proportions(-1, 5, 0, 5), llmops::Error);
    CHECK_THROWS_AS(smallest_expected_count(3, 2, 0, 2), llmops::Error);
}

TEST_CASE("Mann-Whitney U as canary analysis reads it", "[proportion]") {
    // [scipy] documentation example, no ties and a sample of at most 8: the exact method,
    // mannwhitneyu(males, females) = (17.0, 0.1111111111111111); [enum] the same.
    auto doc = mann_whitney_u({19, 22, 16, 29, 24}, {20, 11, 17, 12});
    CHECK(doc.statistic == 17.0);
    CHECK(doc.method == "exact");
    CHECK(doc.p_value == Approx(0.1111111111111111).margin(kTol));
    // [enum] R's wilcox.test example (permeability constants): W = 35, p = 0.2544.
    auto permeability = mann_whitney_u({0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
                                       {1.15, 0.88, 0.90, 0.74, 1.21});
    CHECK(permeability.statistic == 35.0);
    CHECK(permeability.p_value == Approx(0.2544122544122544).margin(kTol));
    // [scipy] with ties, asymptotic: x = [1, 2, 2, 3, 3, 3, 4, 5], y = [3, 4, 4, 5, 5, 6, 7, 7,
    // 8]: (7.5, 0.006373133838085873); swapped (64.5, the same p).
    std::vector<double> x = {1, 2, 2, 3, 3, 3, 4, 5};
    std::vector<double> y = {3, 4, 4, 5, 5, 6, 7, 7, 8};
    auto tied = mann_whitney_u(x, y);
    CHECK(tied.statistic == 7.5);
    CHECK(tied.method == "asymptotic");
    CHECK(tied.p_value == Approx(0.006373133838085873).margin(kTol));
    CHECK(mann_whitney_u(y, x).statistic == 64.5);
    // [enum] complete separation, 10 vs 5: 2 / C(15, 5).
    auto separated = mann_whitney_u({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {11, 12, 13, 14, 15});
    CHECK(separated.statistic == 0.0);
    CHECK(separated.p_value == Approx(2.0 / 3003.0).margin(kTol));
    // [scipy] every value tied: (3.0, 1.0).
    auto all_tied = mann_whitney_u({1, 1, 1}, {1, 1});
    CHECK(all_tied.statistic == 3.0);
    CHECK(all_tied.p_value == 1.0);
    CHECK_THROWS_AS(mann_whitney_u({}, {1.0}), llmops::Error);
    CHECK_THROWS_AS(mann_whitney_u({1.0}, {INFINITY}), llmops::Error);
}
