#pragma once
// HyperLogLog cardinality sketch over 64-bit hashes (precision 14: 16384 one-byte registers,
// standard error 1.04 / sqrt(16384) ~ 0.81%). Written here rather than taken from a package:
// Debian 12 ships no C++ HyperLogLog library.
#include <cstdint>
#include <vector>

namespace llmops::stats {

class HyperLogLog {
  public:
    static constexpr int kPrecision = 14;
    static constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;

    HyperLogLog() : registers_(kRegisters, 0) {}

    // `hash` must be a well-mixed 64-bit hash of the item (core/hash.hpp hash64).
    void add_hash(std::uint64_t hash) {
        const std::size_t index = hash >> (64 - kPrecision);
        // Rank: 1 + leading zeros of the remaining 50 bits, at most 51.
        const std::uint64_t rest = (hash << kPrecision) | (std::uint64_t{1} << (kPrecision - 1));
        const auto rank = static_cast<std::uint8_t>(__builtin_clzll(rest) + 1);
        if (rank > registers_[index]) registers_[index] = rank;
    }
    void merge(const HyperLogLog& other);
    // The cardinality estimate (see hyperloglog.cpp for the estimator).
    double estimate() const;
    std::size_t memory_bytes() const { return registers_.size(); }

  private:
    std::vector<std::uint8_t> registers_;
};

} // namespace llmops::stats
