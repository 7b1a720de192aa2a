#pragma once
// The two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(method='auto')
// (SciPy 1.10): the exact null distribution when both samples have at most 10000 values,
// otherwise the distribution of the one-sample statistic D_n at n = round(m n / (m + n))
// (scipy's kstwo.sf), Simard & L'Ecuyer's choice of algorithm per region.
#include <cstddef>
#include <vector>

namespace llmops::stats {

struct KsResult {
    double statistic = 0; // D = max |F_ref(x) - F_cur(x)|
    double p_value = 1;
    bool exact = true; // false: the asymptotic (kstwo) p-value
};

// Samples must be non-empty and finite (throws BadInput otherwise); they need not be sorted.
KsResult ks_two_sample(std::vector<double> a, std::vector<double> b);

// P(D_n >= d) for the two-sided one-sample statistic with n observations (scipy kstwo.sf).
double kolmogorov_n_sf(double d, long long n);
// P(D+_n >= d), the one-sided one-sample statistic (scipy.special.smirnov), exact sum.
double smirnov_sf(long long n, double d);

// Exact two-sample tail P(D >= h / lcm(m, n)) for integer h (two-sided).
double ks_two_sample_exact_tail(std::size_t m, std::size_t n, long long h);

} // namespace llmops::stats
