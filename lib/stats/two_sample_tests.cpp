#include "stats/two_sample_tests.hpp"

#include "core/error.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace llmops::stats {

namespace {

[[noreturn]] void bad(const std::string& message) {
    throw Error(ErrorKind::BadInput, message);
}

void check_counts(const char* test, std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                  std::int64_t n_b) {
    if (n_a <= 0 || n_b <= 0) bad(std::string(test) + ": each sample needs at least one trial");
    if (x_a < 0 || x_b < 0 || x_a > n_a || x_b > n_b)
        bad(std::string(test) + ": a count must lie between 0 and its number of trials");
}

double log_choose(std::int64_t n, std::int64_t k) {
    return std::lgamma(static_cast<double>(n) + 1.0) - std::lgamma(static_cast<double>(k) + 1.0) -
           std::lgamma(static_cast<double>(n - k) + 1.0);
}

} // namespace

ProportionTestResult two_proportion_z_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                           std::int64_t n_b) {
    check_counts("two-proportion z test", x_a, n_a, x_b, n_b);
    ProportionTestResult r;
    r.rate_a = static_cast<double>(x_a) / static_cast<double>(n_a);
    r.rate_b = static_cast<double>(x_b) / static_cast<double>(n_b);
    const double pooled = static_cast<double>(x_a + x_b) / static_cast<double>(n_a + n_b);
    const double variance =
        pooled * (1.0 - pooled) * (1.0 / static_cast<double>(n_a) + 1.0 / static_cast<double>(n_b));
    if (variance <= 0.0) return r; // all failures or all successes: no difference to test
    r.statistic = (r.rate_b - r.rate_a) / std::sqrt(variance);
    r.p_value = std::min(1.0, 2.0 * normal_sf(std::abs(r.statistic)));
    return r;
}

ProportionTestResult fisher_exact_test(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                       std::int64_t n_b) {
    check_counts("Fisher's exact test", x_a, n_a, x_b, n_b);
    ProportionTestResult r;
    r.exact = true;
    r.rate_a = static_cast<double>(x_a) / static_cast<double>(n_a);
    r.rate_b = static_cast<double>(x_b) / static_cast<double>(n_b);
    const double cross_a = static_cast<double>(x_a) * static_cast<double>(n_b - x_b);
    const double cross_b = static_cast<double>(n_a - x_a) * static_cast<double>(x_b);
    r.statistic = cross_b == 0.0 ? (cross_a == 0.0 ? std::numeric_limits<double>::quiet_NaN()
                                                   : std::numeric_limits<double>::infinity())
                                 : cross_a / cross_b;

    // The top-left cell X is hypergeometric given the margins: N trials, K successes, n_a in
    // the first row.
    const std::int64_t total = n_a + n_b;
    const std::int64_t successes = x_a + x_b;
    const std::int64_t low = std::max<std::int64_t>(0, successes - n_b);
    const std::int64_t high = std::min(n_a, successes);
    const double log_denominator = log_choose(total, n_a);
    auto log_pmf = [&](std::int64_t k) {
        return log_choose(successes, k) + log_choose(total - successes, n_a - k) - log_denominator;
    };
    // R's fisher.test: tables whose probability is within a relative 1e-7 of the observed
    // one count as "as extreme" (floating-point noise must not drop a symmetric twin).
    const double threshold = log_pmf(x_a) + std::log1p(1e-7);
    double p = 0.0;
    for (std::int64_t k = low; k <= high; ++k) {
        const double lp = log_pmf(k);
        if (lp <= threshold) p += std::exp(lp);
    }
    r.p_value = std::min(1.0, p);
    return r;
}

double smallest_expected_count(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                               std::int64_t n_b) {
    check_counts("expected counts", x_a, n_a, x_b, n_b);
    const double total = static_cast<double>(n_a + n_b);
    const double successes = static_cast<double>(x_a + x_b);
    const double smaller_column = std::min(successes, total - successes);
    const double smaller_row = static_cast<double>(std::min(n_a, n_b));
    return smaller_row * smaller_column / total;
}

ProportionTestResult compare_proportions(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                         std::int64_t n_b) {
    if (smallest_expected_count(x_a, n_a, x_b, n_b) < 5.0)
        return fisher_exact_test(x_a, n_a, x_b, n_b);
    return two_proportion_z_test(x_a, n_a, x_b, n_b);
}

MannWhitneyResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.empty() || b.empty()) bad("Mann-Whitney U: each sample needs at least one value");
    for (const auto* sample : {&a, &b})
        for (double v : *sample)
            if (!std::isfinite(v)) bad("Mann-Whitney U: values must be finite numbers");

    const std::size_t n_a = a.size();
    const std::size_t n = n_a + b.size();
    auto value = [&](std::size_t i) { return i < n_a ? a[i] : b[i - n_a]; };
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t i, std::size_t j) { return value(i) < value(j); });

    // Average ranks (1-based) of the pooled sample; only a's rank sum is needed.
    double rank_sum_a = 0.0;
    double tie_term = 0.0; // sum of t^3 - t over tie groups
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j + 1 < n && value(order[j + 1]) == value(order[i]))
            ++j;
        const double average = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
        for (std::size_t k = i; k <= j; ++k)
            if (order[k] < n_a) rank_sum_a += average;
        const auto t = static_cast<double>(j - i + 1);
        tie_term += t * t * t - t;
        i = j + 1;
    }

    MannWhitneyResult r;
    r.n_a = n_a;
    r.n_b = b.size();
    const auto na = static_cast<double>(n_a);
    const auto nb = static_cast<double>(b.size());
    const auto nn = static_cast<double>(n);
    r.u = rank_sum_a - na * (na + 1.0) / 2.0;
    r.prob_a_greater = r.u / (na * nb);
    const double mean_u = na * nb / 2.0;
    const double variance =
        na * nb / 12.0 * ((nn + 1.0) - (n > 1 ? tie_term / (nn * (nn - 1.0)) : 0.0));
    if (variance <= 0.0) return r; // every value tied: no evidence either way
    const double gap = std::max(0.0, std::abs(r.u - mean_u) - 0.5);
    r.z = std::copysign(gap / std::sqrt(variance), r.u - mean_u);
    r.p_value = std::min(1.0, 2.0 * normal_sf(gap / std::sqrt(variance)));
    return r;
}

} // namespace llmops::stats
