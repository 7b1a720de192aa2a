#pragma once
// Distinct values of a stream of 64-bit value hashes: exact (an open-addressing hash set) until
// a limit, then a HyperLogLog estimate.
#include "stats/hyperloglog.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace llmops::stats {

// Starts loading the cache line at p. Inline asm on x86-64 because GCC 12 drops
// __builtin_prefetch behind some branches (seen in DistinctCounter::prefetch).
inline void prefetch_address(const void* p) {
#if defined(__x86_64__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

// A set of 64-bit hashes with linear probing. 0 marks an empty slot, so the hash 0 is kept
// in a flag of its own. Grows at 3/4 load.
class HashSet64 {
  public:
    // True when the hash was not in the set yet.
    bool insert(std::uint64_t hash);
    bool contains(std::uint64_t hash) const;
    // Starts loading the hash's slot into the cache: a big set misses the cache on nearly
    // every insert, so callers prefetch a value ahead of inserting it.
    void prefetch(std::uint64_t hash) const {
        if (!slots_.empty()) prefetch_address(&slots_[slot_index(hash, slots_.size() - 1)]);
    }
    static std::size_t slot_index(std::uint64_t hash, std::size_t mask) {
        // High bits of a multiplicative mix: xxh3 is well mixed, but the product also
        // spreads hashes that differ only in a few bits.
        return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    }
    std::size_t size() const { return size_ + (has_zero_ ? 1 : 0); }
    std::size_t memory_bytes() const { return slots_.size() * sizeof(std::uint64_t); }
    template <typename Fn> void for_each(Fn&& fn) const {
        if (has_zero_) fn(std::uint64_t{0});
        for (std::uint64_t h : slots_)
            if (h != 0) fn(h);
    }
    void clear();

  private:
    void grow();
    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
    bool has_zero_ = false;
};

class DistinctCounter {
  public:
    explicit DistinctCounter(std::size_t exact_limit) : exact_limit_(exact_limit) {}

    void prefetch(std::uint64_t hash) const {
        if (!hll_) exact_.prefetch(hash);
    }
    void add_hash(std::uint64_t hash) {
        if (hll_) {
            hll_->add_hash(hash);
        } else if (exact_.insert(hash) && exact_.size() > exact_limit_) {
            switch_to_estimate();
        }
    }
    // Drops the exact set for a HyperLogLog fed with its content (to bound memory).
    void switch_to_estimate();
    bool exact() const { return !hll_; }
    std::uint64_t count() const;
    std::size_t memory_bytes() const { return hll_ ? hll_->memory_bytes() : exact_.memory_bytes(); }

  private:
    std::size_t exact_limit_;
    HashSet64 exact_;
    std::optional<HyperLogLog> hll_;
};

} // namespace llmops::stats
