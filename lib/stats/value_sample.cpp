#include "stats/value_sample.hpp"

#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace llmops::stats {

std::uint64_t ValueSample::next_random() {
    // SplitMix64: small, fast, and good enough to pick reservoir slots.
    return splitmix64(random_state_);
}

void ValueSample::switch_to_reservoir() {
    if (sampled_) return;
    sampled_ = true;
    if (values_.size() > reservoir_size_) {
        // A uniform subset of the values so far (partial Fisher-Yates), which algorithm R then
        // continues as if it had sampled from the start.
        for (std::size_t i = 0; i < reservoir_size_; ++i) {
            const std::size_t j = i + next_random() % (values_.size() - i);
            std::swap(values_[i], values_[j]);
        }
        values_.resize(reservoir_size_);
    }
    values_.shrink_to_fit();
}

double ValueSample::percentile(double q, double (*map)(double)) {
    if (values_.empty()) return 0.0;
    const PercentileRank at = percentile_rank(values_.size(), q);
    const auto lower = values_.begin() + static_cast<std::ptrdiff_t>(at.lower);
    std::nth_element(values_.begin(), lower, values_.end());
    double lower_value = *lower;
    // After the selection every later value is >= *lower: the next one up is their minimum.
    double upper_value = at.fraction > 0 && lower + 1 != values_.end()
                             ? *std::min_element(lower + 1, values_.end())
                             : lower_value;
    if (map) {
        lower_value = map(lower_value);
        upper_value = map(upper_value);
    }
    return interpolate_percentile(lower_value, upper_value, at.fraction);
}

EqualWidthBins::EqualWidthBins(double lo, double hi, int bins) : lo_(lo), hi_(hi), bins_(bins) {
    if (bins_ <= 0) bins_ = 0;
    if (bins_ > 0 && !(hi > lo)) bins_ = 1;
    width_ = bins_ == 1 && !(hi > lo) ? 0.0 : (bins_ > 0 ? (hi - lo) / bins_ : 0.0);
    counts_.assign(static_cast<std::size_t>(bins_), 0);
}

void EqualWidthBins::add(double value) {
    if (bins_ == 0) return;
    int bin = width_ > 0 ? static_cast<int>((value - lo_) / width_) : 0;
    ++counts_[static_cast<std::size_t>(std::clamp(bin, 0, bins_ - 1))];
    ++added_;
}

Histogram EqualWidthBins::histogram() const {
    Histogram h;
    if (added_ == 0 || bins_ == 0) return h;
    for (int i = 0; i <= bins_; ++i)
        h.edges.push_back(i == bins_ ? std::max(hi_, lo_) : lo_ + width_ * i);
    h.counts = counts_;
    return h;
}

Histogram ValueSample::histogram(double lo, double hi, int bins) const {
    Histogram h;
    if (values_.empty() || bins <= 0) return h;
    EqualWidthBins binned(lo, hi, bins);
    for (double v : values_)
        binned.add(v);
    Histogram exact = binned.histogram();
    h.edges = std::move(exact.edges);
    const std::vector<std::uint64_t>& raw = binned.counts();
    h.estimated = sampled_;
    if (!sampled_) {
        h.counts = raw;
        return h;
    }
    // Scale sample counts to the full count, keeping the total exact.
    const double scale = static_cast<double>(count_) / static_cast<double>(values_.size());
    std::uint64_t total = 0;
    for (auto c : raw) {
        h.counts.push_back(static_cast<std::uint64_t>(std::llround(c * scale)));
        total += h.counts.back();
    }
    auto largest = std::max_element(h.counts.begin(), h.counts.end());
    if (total != count_) *largest = *largest + count_ - total;
    return h;
}

} // namespace llmops::stats
