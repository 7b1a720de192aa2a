#include "stats/contingency_tests.hpp"

#include "core/error.hpp"
#include "stats/special_functions.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace llmops::stats {

ChiSquareResult chi_square_against_reference(const std::map<std::string, std::uint64_t>& reference,
                                             const std::map<std::string, std::uint64_t>& current) {
    double n_ref = 0, n_cur = 0;
    for (const auto& [k, c] : reference)
        n_ref += static_cast<double>(c);
    for (const auto& [k, c] : current)
        n_cur += static_cast<double>(c);
    if (n_ref == 0 || n_cur == 0) throw Error(ErrorKind::BadInput, "chisquare: a sample is empty");
    std::map<std::string, std::pair<double, double>> merged; // observed, expected
    for (const auto& [k, c] : reference)
        merged[k].second = static_cast<double>(c) * (n_cur / n_ref);
    for (const auto& [k, c] : current)
        merged[k].first = static_cast<double>(c);
    ChiSquareResult r;
    r.degrees_of_freedom = static_cast<int>(merged.size()) - 1;
    for (const auto& [k, oe] : merged) {
        const double diff = oe.first - oe.second;
        r.statistic += oe.second == 0 ? (diff == 0 ? 0.0 : INFINITY) : diff * diff / oe.second;
    }
    if (r.degrees_of_freedom < 1) {
        r.p_value = NAN; // one category: scipy returns NaN; the caller reports it
        return r;
    }
    r.p_value = std::isinf(r.statistic) ? 0.0 : chi2_sf(r.statistic, r.degrees_of_freedom);
    return r;
}

ProportionZResult two_proportion_z(std::uint64_t reference_successes, std::uint64_t reference_size,
                                   std::uint64_t current_successes, std::uint64_t current_size) {
    if (reference_size == 0 || current_size == 0)
        throw Error(ErrorKind::BadInput, "z: a sample is empty");
    ProportionZResult r;
    const double n1 = static_cast<double>(reference_size), n2 = static_cast<double>(current_size);
    r.reference_share = static_cast<double>(reference_successes) / n1;
    r.current_share = static_cast<double>(current_successes) / n2;
    const double pooled = (r.reference_share * n1 + r.current_share * n2) / (n1 + n2);
    const double spread = std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
    if (spread == 0) { // both sides hold the same single value
        r.statistic = 0;
        r.p_value = 1;
        return r;
    }
    r.statistic = (r.reference_share - r.current_share) / spread;
    r.p_value = 2 * (1 - normal_cdf(std::fabs(r.statistic)));
    return r;
}

FisherResult fisher_exact(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
    FisherResult r;
    if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) {
        r.odds_ratio = NAN;
        r.p_value = 1;
        return r;
    }
    r.odds_ratio = (c > 0 && b > 0) ? static_cast<double>(a) * static_cast<double>(d) /
                                          (static_cast<double>(c) * static_cast<double>(b))
                                    : INFINITY;
    const double n1 = static_cast<double>(a + b), n2 = static_cast<double>(c + d);
    const double n = static_cast<double>(a + c);
    const double log_total = log_binomial(n1 + n2, n);
    auto pmf = [&](double x) {
        return std::exp(log_binomial(n1, x) + log_binomial(n2, n - x) - log_total);
    };
    const double observed = pmf(static_cast<double>(a));
    const double lo = std::max(0.0, n - n2), hi = std::min(n, n1);
    double total = 0;
    for (double x = lo; x <= hi; x += 1.0) {
        const double p = pmf(x);
        if (p <= observed * (1 + 1e-7)) total += p;
    }
    r.p_value = std::min(1.0, total);
    return r;
}

} // namespace llmops::stats
