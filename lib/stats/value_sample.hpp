#pragma once
// The values of one numeric measure kept for percentiles and histograms: all of them up to a
// limit (exact), then a uniform reservoir sample of fixed size (Vitter's algorithm R with a
// seeded generator, so a profile is reproducible).
#include <cstdint>
#include <vector>

namespace llmops::stats {

struct Histogram {
    std::vector<double> edges;         // bins + 1 ascending edges; bin i is [edges[i], edges[i+1])
    std::vector<std::uint64_t> counts; // the last bin includes its upper edge
    bool estimated = false;            // counts scaled up from a sample
};

// Counts values into `bins` equal-width bins over [lo, hi] as they come (the histogram of a
// stream whose range is known, e.g. from its min and max): memory does not grow with them.
class EqualWidthBins {
  public:
    EqualWidthBins(double lo, double hi, int bins);
    void add(double value);
    bool empty() const { return added_ == 0; }
    Histogram histogram() const; // exact counts; empty without values
    const std::vector<std::uint64_t>& counts() const { return counts_; }

  private:
    double lo_, hi_, width_;
    int bins_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t added_ = 0;
};

class ValueSample {
  public:
    ValueSample(std::size_t exact_limit, std::size_t reservoir_size)
        : exact_limit_(exact_limit), reservoir_size_(reservoir_size) {}

    void add(double value) {
        ++count_;
        if (!sampled_) {
            values_.push_back(value);
            if (values_.size() > exact_limit_) switch_to_reservoir();
            return;
        }
        // Algorithm R: the count_-th value replaces a random slot with probability k/count_.
        const std::uint64_t slot = next_random() % count_;
        if (slot < values_.size()) values_[slot] = value;
    }
    // Keeps a uniform sample of reservoir_size values (to bound memory).
    void switch_to_reservoir();
    bool exact() const { return !sampled_; }
    std::uint64_t count() const { return count_; }
    std::size_t memory_bytes() const { return values_.capacity() * sizeof(double); }

    // The q-th percentile (q in [0, 100]) of the kept values by the percentile rule
    // (statistics.hpp), 0 when none are kept; with `map`, a non-decreasing function, the
    // percentile of the mapped values. Reorders the kept values (a selection, not a sort).
    double percentile(double q, double (*map)(double) = nullptr);
    // `bins` equal-width bins over [lo, hi]; counts scaled to count() when sampled.
    Histogram histogram(double lo, double hi, int bins) const;

  private:
    std::uint64_t next_random();

    std::size_t exact_limit_;
    std::size_t reservoir_size_;
    std::vector<double> values_;
    std::uint64_t count_ = 0;
    std::uint64_t random_state_ = 0x5EED5EED5EED5EEDULL;
    bool sampled_ = false;
};

} // namespace llmops::stats
