#include "stats/proportion_tests.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "stats/contingency_tests.hpp"

namespace llmops::stats {

namespace {

void check_counts(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b, std::int64_t n_b) {
    if (n_a <= 0 || n_b <= 0)
        throw Error(ErrorKind::BadInput, "proportions: each sample needs at least one trial");
    if (x_a < 0 || x_b < 0 || x_a > n_a || x_b > n_b)
        throw Error(ErrorKind::BadInput,
                    "proportions: a count must lie between 0 and its number of trials");
}

} // namespace

double smallest_expected_count(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                               std::int64_t n_b) {
    check_counts(x_a, n_a, x_b, n_b);
    const double total = static_cast<double>(n_a + n_b);
    const double successes = static_cast<double>(x_a + x_b);
    const double smaller_column = std::min(successes, total - successes);
    const double smaller_row = static_cast<double>(std::min(n_a, n_b));
    return smaller_row * smaller_column / total;
}

ProportionComparison compare_proportions(std::int64_t x_a, std::int64_t n_a, std::int64_t x_b,
                                         std::int64_t n_b) {
    ProportionComparison r;
    const bool small = smallest_expected_count(x_a, n_a, x_b, n_b) < 5.0;
    r.rate_a = static_cast<double>(x_a) / static_cast<double>(n_a);
    r.rate_b = static_cast<double>(x_b) / static_cast<double>(n_b);
    const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
    if (small) {
        const FisherResult f = fisher_exact(u(x_a), u(n_a - x_a), u(x_b), u(n_b - x_b));
        r.exact = true;
        r.statistic = f.odds_ratio;
        r.p_value = f.p_value;
    } else {
        // two_proportion_z's statistic is first minus second: b minus a is its negation.
        const ProportionZResult z = two_proportion_z(u(x_a), u(n_a), u(x_b), u(n_b));
        r.statistic = -z.statistic;
        r.p_value = z.p_value;
    }
    return r;
}

} // namespace llmops::stats
