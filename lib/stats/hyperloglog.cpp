#include "stats/hyperloglog.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace llmops::stats {

namespace {

constexpr int kMaxRank = 64 - HyperLogLog::kPrecision + 1; // 51

// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1): corrects for empty registers. It is what makes
// the estimator agree with linear counting (m ln(m/V)) for small cardinalities.
double sigma(double x) {
    if (x == 1.0) return std::numeric_limits<double>::infinity();
    double y = 1.0;
    double z = x;
    for (;;) {
        x *= x;
        const double previous = z;
        z += x * y;
        y += y;
        if (z == previous) return z;
    }
}

// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3: corrects for saturated registers.
double tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0;
    double z = 1.0 - x;
    for (;;) {
        x = std::sqrt(x);
        const double previous = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if (z == previous) return z / 3.0;
    }
}

} // namespace

void HyperLogLog::merge(const HyperLogLog& other) {
    for (std::size_t i = 0; i < registers_.size(); ++i)
        registers_[i] = std::max(registers_[i], other.registers_[i]);
}

// Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017), computed from the histogram of register values. It replaces the classic
// estimator's piecewise fixes (linear counting below 5m/2, empirical bias tables in HLL++)
// with one formula that is nearly unbiased from 0 to far beyond 2^50 items.
double HyperLogLog::estimate() const {
    std::array<double, kMaxRank + 1> histogram{};
    for (std::uint8_t r : registers_)
        histogram[r] += 1.0;
    const double m = static_cast<double>(kRegisters);
    double z = m * tau(1.0 - histogram[kMaxRank] / m);
    for (int k = kMaxRank - 1; k >= 1; --k)
        z = 0.5 * (z + histogram[k]);
    z += m * sigma(histogram[0] / m);
    const double alpha_infinity = 0.5 / std::log(2.0);
    return alpha_infinity * m * m / z;
}

} // namespace llmops::stats
