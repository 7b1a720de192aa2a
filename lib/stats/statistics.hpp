#pragma once
// Summary statistics and paired significance tests for comparing two eval runs on the same
// examples (MLflow-style: McNemar for pass/fail, Wilcoxon signed-rank and a bootstrap CI for
// scores). Pure functions; invalid input throws llmops::Error (BadInput). docs/metrics.md
// lists the reference implementation each one matches.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmops::stats {

// Arithmetic mean. Throws on an empty sample.
double mean(const std::vector<double>& values);
// Standard deviation with `ddof` delta degrees of freedom (1: sample, 0: population, numpy's
// default). Throws unless values.size() > ddof.
double stddev(const std::vector<double>& values, int ddof = 1);

// The percentile rule, the one llmops uses everywhere (docs/metrics.md, "Percentiles"): numpy's
// default 'linear' method (Hyndman & Fan type 7). On n ascending values x, the q-th percentile
// (q in [0, 100]) lies at index h = q/100 * (n - 1): x[lower] + fraction * (x[lower + 1] -
// x[lower]) with lower = floor(h), fraction = h - lower.
struct PercentileRank {
    std::size_t lower = 0; // 0-based index into the ascending values
    double fraction = 0;   // 0 <= fraction < 1; 0 when lower is the last index
};
// Where the q-th percentile of n > 0 values lies. Throws on q outside [0, 100].
PercentileRank percentile_rank(std::size_t n, double q);
// The percentile from the values at `lower` and `lower + 1` (numpy's monotone two-sided lerp).
double interpolate_percentile(double lower_value, double upper_value, double fraction);
// numpy.percentile(values, q); throws on an empty sample or a value that is not finite.
// Sorts ascending; costs one pass when the values already are (drift hands its tests sorted
// samples).
void sort_ascending(std::vector<double>& values);

double percentile(std::vector<double> values, double q);
std::vector<double> percentiles(std::vector<double> values, const std::vector<double>& qs);

// The same sum, extremes and percentiles for a sample read in ascending order whose size is
// known in advance (an SQL query with ORDER BY, after a count), in constant memory: only the
// values at the ranks the percentiles need are kept. The sum adds the values in that order,
// as mean() over the sorted sample would.
class AscendingSample {
  public:
    // `qs`: the percentiles wanted, each in [0, 100]. Throws when count is 0.
    AscendingSample(std::uint64_t count, std::vector<double> qs);
    // The next value: finite, and not below the one before (else throws).
    void add(double value);
    std::uint64_t seen() const { return seen_; }
    double sum() const { return sum_; }
    double min() const { return min_; }
    double max() const { return max_; }
    // The i-th requested percentile; throws unless all `count` values were added.
    double percentile(std::size_t i) const;

  private:
    struct Rank {
        std::uint64_t below = 0, above = 0; // the ranks around the percentile's position
        double fraction = 0;                // how far between them
        double below_value = 0, above_value = 0;
    };
    std::uint64_t count_;
    std::uint64_t seen_ = 0;
    double sum_ = 0, min_ = 0, max_ = 0;
    std::vector<Rank> ranks_;
};

// Standard normal CDF and survival function, and the chi-square(1 df) survival function.
double normal_cdf(double x);
double normal_sf(double x);
double chi2_sf_1df(double x);

// SplitMix64 (Steele, Lea & Flood 2014): advances `state` and returns the next output.
std::uint64_t splitmix64(std::uint64_t& state);
// SplitMix64's output function alone: a strong 64-bit mix of one value (a hash of a position).
std::uint64_t mix64(std::uint64_t value);

// xoshiro256** 1.0 (Blackman & Vigna), seeded from one 64-bit seed through SplitMix64 as its
// authors recommend. Ours rather than <random> because the bootstrap must give the same
// interval on every platform, and std::uniform_int_distribution is implementation-defined.
class Xoshiro256 {
  public:
    explicit Xoshiro256(std::uint64_t seed);
    std::uint64_t next();
    // Uniform integer in [0, bound), bound > 0, unbiased (Lemire's multiply-and-reject).
    std::uint64_t below(std::uint64_t bound);

  private:
    std::uint64_t s_[4];
};

struct BootstrapCI {
    double mean_diff = 0.0; // observed mean(b) - mean(a)
    double lower = 0.0;     // percentile interval bounds of the resampled mean difference
    double upper = 0.0;
    double level = 0.95;
    int resamples = 0;
};

// Paired percentile bootstrap of mean(b - a): `resamples` resamples of the n pairs with
// replacement, interval = the (1-level)/2 and (1+level)/2 percentiles (numpy 'linear') of the
// resampled means. Deterministic for a given seed on every platform.
BootstrapCI paired_bootstrap_ci(const std::vector<double>& a, const std::vector<double>& b,
                                int resamples = 10000, std::uint64_t seed = 0, double level = 0.95);

struct McNemarResult {
    int b = 0;              // pairs where only run A passed
    int c = 0;              // pairs where only run B passed
    double statistic = 0.0; // min(b, c) when exact, else the corrected chi-square
    double p_value = 1.0;
    bool exact = true;
};

// McNemar's test on the discordant pair counts, two-sided. b + c < 25: exact binomial test,
// p = min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c, 1/2). Otherwise chi-square with continuity
// correction, (|b - c| - 1)^2 / (b + c), 1 df. Matches statsmodels' mcnemar(exact=...) and R's
// mcnemar.test. b = c = 0 gives p = 1.
McNemarResult mcnemar(int b, int c);

struct WilcoxonResult {
    double statistic = 0.0; // T = min(W+, W-), rank sums of the positive / negative diffs
    double p_value = 1.0;   // two-sided
    std::size_t n = 0;      // non-zero differences used
    bool exact = false;     // exact null distribution, else normal approximation
    double z = 0.0;         // the normal approximation's z (0 when exact)
};

// Wilcoxon signed-rank test on paired differences, two-sided, as scipy.stats.wilcoxon with its
// defaults (zero_method='wilcox', correction=False, method='auto'): exact distribution when
// there are at most 50 differences, none zero and no ties; otherwise zeros are dropped and the
// normal approximation with tie correction is used. (SciPy 1.10 also takes the exact branch
// with ties, on a truncated rank sum; we use the tie-corrected normal approximation there.)
// No non-zero difference at all gives p = 1, n = 0. Throws on NaN or infinity.
WilcoxonResult wilcoxon(const std::vector<double>& diffs);

} // namespace llmops::stats
