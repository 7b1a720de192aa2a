#include "stats/statistics.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>

namespace llmops::stats {

namespace {

void require_finite(const std::vector<double>& values, const char* what) {
    for (double v : values)
        if (!std::isfinite(v))
            throw_bad_input(std::string(what) + ": values must be finite numbers");
}

double percentile_of_sorted(const std::vector<double>& sorted, double q) {
    const PercentileRank at = percentile_rank(sorted.size(), q);
    const std::size_t upper = std::min(at.lower + 1, sorted.size() - 1);
    return interpolate_percentile(sorted[at.lower], sorted[upper], at.fraction);
}

std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

// Two-sided exact binomial p for X ~ Bin(n, 1/2) at k = min(b, c); n < 25 keeps every binomial
// coefficient exact in 64 bits.
double binomial_two_sided_half(int k, int n) {
    std::uint64_t coefficient = 1; // C(n, 0)
    std::uint64_t tail = 0;
    for (int i = 0; i <= k; ++i) {
        tail += coefficient;
        coefficient =
            coefficient * static_cast<std::uint64_t>(n - i) / static_cast<std::uint64_t>(i + 1);
    }
    return std::min(1.0, 2.0 * std::ldexp(static_cast<double>(tail), -n));
}

// Number of subsets of {1..n} with each rank sum 0 .. n(n+1)/2: the exact null distribution of
// W+ times 2^n. n <= 50 keeps every count below 2^50.
std::vector<std::uint64_t> signed_rank_counts(std::size_t n) {
    const std::size_t max_sum = n * (n + 1) / 2;
    std::vector<std::uint64_t> counts(max_sum + 1, 0);
    counts[0] = 1;
    for (std::size_t rank = 1; rank <= n; ++rank)
        for (std::size_t s = rank * (rank + 1) / 2; s >= rank; --s)
            counts[s] += counts[s - rank];
    return counts;
}

} // namespace

double mean(const std::vector<double>& values) {
    if (values.empty()) throw_bad_input("mean of an empty sample");
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double stddev(const std::vector<double>& values, int ddof) {
    if (ddof < 0 || values.size() <= static_cast<std::size_t>(ddof))
        throw_bad_input("standard deviation needs more than " + std::to_string(ddof) + " values");
    const double m = mean(values);
    double squares = 0.0;
    for (double v : values)
        squares += (v - m) * (v - m);
    return std::sqrt(squares / static_cast<double>(values.size() - static_cast<std::size_t>(ddof)));
}

PercentileRank percentile_rank(std::size_t n, double q) {
    if (!(q >= 0.0 && q <= 100.0)) throw_bad_input("percentile must be between 0 and 100");
    const double index = q / 100.0 * static_cast<double>(n == 0 ? 0 : n - 1);
    const double below = std::floor(index);
    return {static_cast<std::size_t>(below), index - below};
}

// numpy's _lerp: the two-sided form keeps the result monotonic and exact at t = 0 and 1.
double interpolate_percentile(double lower_value, double upper_value, double fraction) {
    const double diff = upper_value - lower_value;
    return fraction >= 0.5 ? upper_value - diff * (1.0 - fraction) : lower_value + diff * fraction;
}

void sort_ascending(std::vector<double>& values) {
    if (std::is_sorted(values.begin(), values.end())) return;
    // Few distinct values (lengths, shares of small counts, integer fields): count each, by its
    // bits so that -0.0 stays itself, and write them back in order; O(n) instead of n log n.
    // Many distinct values stop the count early and take the comparison sort.
    constexpr std::size_t kFewDistinct = 4096;
    std::unordered_map<std::uint64_t, std::size_t> counts;
    for (double v : values) {
        ++counts[std::bit_cast<std::uint64_t>(v)];
        if (counts.size() > kFewDistinct) {
            std::sort(values.begin(), values.end());
            return;
        }
    }
    std::vector<std::pair<double, std::size_t>> runs;
    runs.reserve(counts.size());
    for (const auto& entry : counts)
        runs.emplace_back(std::bit_cast<double>(entry.first), entry.second);
    std::sort(runs.begin(), runs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    auto out = values.begin();
    for (const auto& run : runs)
        out = std::fill_n(out, run.second, run.first);
}

double percentile(std::vector<double> values, double q) {
    if (values.empty()) throw_bad_input("percentile of an empty sample");
    require_finite(values, "percentile");
    std::sort(values.begin(), values.end());
    return percentile_of_sorted(values, q);
}

std::vector<double> percentiles(std::vector<double> values, const std::vector<double>& qs) {
    if (values.empty()) throw_bad_input("percentile of an empty sample");
    require_finite(values, "percentile");
    std::sort(values.begin(), values.end());
    std::vector<double> out;
    out.reserve(qs.size());
    for (double q : qs)
        out.push_back(percentile_of_sorted(values, q));
    return out;
}

AscendingSample::AscendingSample(std::uint64_t count, std::vector<double> qs) : count_(count) {
    if (count == 0) throw_bad_input("percentile of an empty sample");
    for (double q : qs) {
        // The one percentile rule: the same position percentile_of_sorted interpolates at.
        const PercentileRank at = percentile_rank(static_cast<std::size_t>(count), q);
        Rank rank;
        rank.below = at.lower;
        rank.above = std::min<std::uint64_t>(rank.below + 1, count - 1);
        rank.fraction = at.fraction;
        ranks_.push_back(rank);
    }
}

void AscendingSample::add(double value) {
    if (!std::isfinite(value)) throw_bad_input("percentile: values must be finite numbers");
    if (seen_ == count_) throw_bad_input("percentile: more values than counted");
    if (seen_ > 0 && value < max_)
        throw_bad_input("percentile: values must come in ascending order");
    if (seen_ == 0) min_ = value;
    max_ = value;
    sum_ += value;
    for (Rank& rank : ranks_) {
        if (rank.below == seen_) rank.below_value = value;
        if (rank.above == seen_) rank.above_value = value;
    }
    ++seen_;
}

double AscendingSample::percentile(std::size_t i) const {
    if (seen_ != count_) throw_bad_input("percentile: fewer values than counted");
    const Rank& rank = ranks_.at(i);
    return interpolate_percentile(rank.below_value, rank.above_value, rank.fraction);
}

double normal_cdf(double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

double normal_sf(double x) {
    return 0.5 * std::erfc(x / std::sqrt(2.0));
}

// A chi-square(1) variable is Z^2, so P(X > x) = P(|Z| > sqrt(x)) = erfc(sqrt(x / 2)).
double chi2_sf_1df(double x) {
    return x <= 0.0 ? 1.0 : std::erfc(std::sqrt(x / 2.0));
}

std::uint64_t splitmix64(std::uint64_t& state) {
    return mix64(state += 0x9e3779b97f4a7c15ULL);
}

std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Xoshiro256::Xoshiro256(std::uint64_t seed) {
    for (auto& word : s_)
        word = splitmix64(seed);
}

std::uint64_t Xoshiro256::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Xoshiro256::below(std::uint64_t bound) {
    // Lemire (2019): the high word of x * bound is uniform once the low word is outside the
    // 2^64 mod bound values that would bias it.
    unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
    auto low = static_cast<std::uint64_t>(product);
    if (low < bound) {
        const std::uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            product = static_cast<unsigned __int128>(next()) * bound;
            low = static_cast<std::uint64_t>(product);
        }
    }
    return static_cast<std::uint64_t>(product >> 64);
}

BootstrapCI paired_bootstrap_ci(const std::vector<double>& a, const std::vector<double>& b,
                                int resamples, std::uint64_t seed, double level) {
    if (a.size() != b.size())
        throw_bad_input("paired bootstrap: the runs have " + std::to_string(a.size()) + " and " +
                        std::to_string(b.size()) + " scores; pairs must match");
    if (a.empty()) throw_bad_input("paired bootstrap: no pairs");
    if (resamples < 1) throw_bad_input("paired bootstrap: resamples must be at least 1");
    if (!(level > 0.0 && level < 1.0)) throw_bad_input("paired bootstrap: level must be in (0, 1)");
    require_finite(a, "paired bootstrap");
    require_finite(b, "paired bootstrap");

    const std::size_t n = a.size();
    std::vector<double> diffs(n);
    for (std::size_t i = 0; i < n; ++i)
        diffs[i] = b[i] - a[i];

    Xoshiro256 rng(seed);
    std::vector<double> means(static_cast<std::size_t>(resamples));
    for (double& m : means) {
        double sum = 0.0;
        for (std::size_t k = 0; k < n; ++k)
            sum += diffs[rng.below(n)];
        m = sum / static_cast<double>(n);
    }
    std::sort(means.begin(), means.end());

    BootstrapCI ci;
    ci.mean_diff = mean(diffs);
    ci.lower = percentile_of_sorted(means, 100.0 * (1.0 - level) / 2.0);
    ci.upper = percentile_of_sorted(means, 100.0 * (1.0 + level) / 2.0);
    ci.level = level;
    ci.resamples = resamples;
    return ci;
}

McNemarResult mcnemar(int b, int c) {
    if (b < 0 || c < 0) throw_bad_input("McNemar: discordant counts must not be negative");
    McNemarResult r;
    r.b = b;
    r.c = c;
    const int n = b + c;
    if (n == 0) return r; // no discordant pairs: no evidence either way
    if (n < 25) {
        r.exact = true;
        r.statistic = std::min(b, c);
        r.p_value = binomial_two_sided_half(std::min(b, c), n);
    } else {
        r.exact = false;
        const double gap = std::abs(b - c) - 1.0;
        r.statistic = gap * gap / n;
        r.p_value = chi2_sf_1df(r.statistic);
    }
    return r;
}

WilcoxonResult wilcoxon(const std::vector<double>& diffs) {
    require_finite(diffs, "Wilcoxon");
    std::vector<double> d;
    d.reserve(diffs.size());
    for (double x : diffs)
        if (x != 0.0) d.push_back(x); // zero_method='wilcox'

    WilcoxonResult r;
    r.n = d.size();
    if (d.empty()) return r;

    // Average ranks of |d| (scipy.stats.rankdata's 'average'), and the tie-group sizes.
    const std::size_t n = d.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t i, std::size_t j) { return std::abs(d[i]) < std::abs(d[j]); });
    std::vector<double> rank(n);
    double tie_term = 0.0; // sum of t^3 - t over tie groups
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j + 1 < n && std::abs(d[order[j + 1]]) == std::abs(d[order[i]]))
            ++j;
        const double average = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
        for (std::size_t k = i; k <= j; ++k)
            rank[order[k]] = average;
        const auto t = static_cast<double>(j - i + 1);
        tie_term += t * t * t - t;
        i = j + 1;
    }
    double r_plus = 0.0;
    double r_minus = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        (d[i] > 0 ? r_plus : r_minus) += rank[i];
    r.statistic = std::min(r_plus, r_minus);

    const bool has_zeros = d.size() != diffs.size();
    const bool has_ties = tie_term > 0.0;
    if (diffs.size() <= 50 && !has_zeros && !has_ties) {
        r.exact = true;
        const auto counts = signed_rank_counts(n);
        const auto w = static_cast<std::size_t>(r_plus); // integral: no ties
        if (w == (counts.size() - 1) / 2) {
            r.p_value = 1.0; // W+ at the centre of its distribution
        } else {
            std::uint64_t at_most = 0;
            std::uint64_t at_least = 0;
            for (std::size_t s = 0; s < counts.size(); ++s) {
                if (s <= w) at_most += counts[s];
                if (s >= w) at_least += counts[s];
            }
            const double tail =
                std::ldexp(static_cast<double>(std::min(at_most, at_least)), -static_cast<int>(n));
            r.p_value = std::min(1.0, 2.0 * tail);
        }
        return r;
    }

    const auto count = static_cast<double>(n);
    const double expected = count * (count + 1.0) / 4.0;
    const double variance = (count * (count + 1.0) * (2.0 * count + 1.0) - 0.5 * tie_term) / 24.0;
    if (variance <= 0.0) return r; // cannot happen for n >= 1; guard the division anyway
    r.z = (r.statistic - expected) / std::sqrt(variance);
    r.p_value = std::min(1.0, 2.0 * normal_sf(std::abs(r.z)));
    return r;
}

} // namespace llmops::stats
