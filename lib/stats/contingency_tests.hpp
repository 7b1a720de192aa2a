#pragma once
// Tests on category counts as Evidently runs them for drift: Pearson's chi-square with the
// expected counts taken from the reference shares, the two-proportion Z-test, and Fisher's
// exact test on a 2x2 table (scipy.stats.fisher_exact, two-sided).
#include <cstdint>
#include <map>
#include <string>

namespace llmops::stats {

struct ChiSquareResult {
    double statistic = 0; // sum (o - e)^2 / e; infinity when a category absent from the
                          // reference occurs in current
    double p_value = 1;
    int degrees_of_freedom = 0; // categories - 1
};

// observed = current count per category; expected = reference count * n_cur / n_ref, over the
// union of categories (scipy.stats.chisquare(observed, expected)).
ChiSquareResult chi_square_against_reference(const std::map<std::string, std::uint64_t>& reference,
                                             const std::map<std::string, std::uint64_t>& current);

struct ProportionZResult {
    double statistic = 0; // (p_ref - p_cur) / sqrt(P (1 - P) (1/n_ref + 1/n_cur))
    double p_value = 1;   // 2 (1 - Phi(|z|))
    double reference_share = 0, current_share = 0;
};

// successes / sizes on each side; p = 1 when both sides hold only one and the same value.
ProportionZResult two_proportion_z(std::uint64_t reference_successes, std::uint64_t reference_size,
                                   std::uint64_t current_successes, std::uint64_t current_size);

struct FisherResult {
    double odds_ratio = 0; // a d / (b c); infinity when b c = 0 < a d; NaN when a row or
                           // column sums to zero
    double p_value = 1;
};

// Table [[a, b], [c, d]]. Two-sided p: the sum of the probabilities of every table with the
// same margins that is no more likely than the observed one (relative tolerance 1e-7).
FisherResult fisher_exact(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d);

} // namespace llmops::stats
