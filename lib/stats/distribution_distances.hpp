#pragma once
// Distances between two distributions as Evidently computes them for drift (docs/drift.md has
// every formula): the normed Wasserstein distance on raw values, and PSI, Kullback-Leibler,
// Jensen-Shannon and Hellinger on binned shares. Binning: Sturges bins over both samples
// together (numpy.histogram_bin_edges(..., bins="sturges") and numpy.histogram's half-open
// bins, the last one closed) or category shares.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmops::stats {

// Shares of each bin (or category) in the reference and the current sample, same order.
struct BinnedShares {
    std::vector<double> reference;
    std::vector<double> current;
    std::vector<double> edges;       // numeric bins: edges.size() == shares + 1
    std::vector<std::string> labels; // categories: the category of each share
};

// numpy.histogram_bin_edges(values, bins="sturges"): equal-width edges over [min, max] (±0.5
// when all values are equal), ceil(range / (range / (log2(n) + 1))) bins.
std::vector<double> sturges_edges(const std::vector<double>& values);
// Count of values per bin as numpy.histogram with explicit edges.
std::vector<std::uint64_t> histogram_counts(const std::vector<double>& values,
                                            const std::vector<double>& edges);
// Sturges bins over reference + current; shares = counts / sample size.
BinnedShares sturges_shares(const std::vector<double>& reference,
                            const std::vector<double>& current);
// Category shares over the union of categories (count / sample size; 0 when absent).
BinnedShares category_shares(const std::map<std::string, std::uint64_t>& reference,
                             const std::map<std::string, std::uint64_t>& current);
// Evidently's epsilon rule: zero shares become min(non-zero share) / 10^6 when that minimum is
// <= 0.0001, else 0.0001. A vector of zeros is left as it is.
void fill_zero_shares(std::vector<double>& shares);

// scipy.stats.wasserstein_distance(reference, current) / max(std(reference, ddof=0), 0.001).
double wasserstein_normed(const std::vector<double>& reference, const std::vector<double>& current);
// scipy.stats.wasserstein_distance: ∫ |F_ref - F_cur|.
double wasserstein_distance(const std::vector<double>& reference,
                            const std::vector<double>& current);
// Population stability index: sum (r - c) ln(r / c), over filled shares.
double psi(const std::vector<double>& reference, const std::vector<double>& current);
// scipy.stats.entropy(reference, current): sum r ln(r / c) after normalising both.
double kl_divergence(const std::vector<double>& reference, const std::vector<double>& current);
// scipy.spatial.distance.jensenshannon(reference, current) with its default natural logarithm:
// sqrt((KL(r || m) + KL(c || m)) / 2), m = (r + c) / 2, after normalising both.
double jensen_shannon_distance(const std::vector<double>& reference,
                               const std::vector<double>& current);
// Evidently's Hellinger distance on category shares: sqrt(1 - min(1, sum sqrt(r c))).
double hellinger_categorical(const std::vector<double>& reference,
                             const std::vector<double>& current);
// Evidently's Hellinger distance on a numeric column: Sturges bins over the distinct values of
// both samples, densities per bin, sqrt(1 - min(1, sum sqrt(d_r d_c) * width)).
double hellinger_numeric(const std::vector<double>& reference, const std::vector<double>& current);

} // namespace llmops::stats
