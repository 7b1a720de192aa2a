#pragma once
// Exact-duplicate rows, counted from 64-bit row hashes in bounded memory. Every row hash is
// kept with its count until `limit` distinct hashes; then the counter samples by hash value
// (adaptive sampling): it keeps only hashes whose low s bits are zero, raising s by one and
// dropping half the hashes each time the limit is reached. All copies of a row share a hash,
// so a kept row's duplicates are counted exactly, and the total is scaled up by 2^s.
#include "stats/distinct_counter.hpp"

#include <cstdint>
#include <vector>

namespace llmops::data {

class DuplicateRowCounter {
  public:
    explicit DuplicateRowCounter(std::size_t limit);

    void add_hash(std::uint64_t hash);
    // Starts loading the hash's slot into the cache, ahead of add_hash().
    void prefetch(std::uint64_t hash) const {
        stats::prefetch_address(
            &slots_[static_cast<std::size_t>(hash >> 40) & (slots_.size() - 1)]);
    }
    // Rows that repeat an earlier row (rows - distinct rows); an estimate unless exact().
    std::uint64_t duplicates() const;
    bool exact() const { return level_ == 0; }
    // The share of distinct rows whose copies are tracked: 1 / 2^s.
    double sample_rate() const { return 1.0 / static_cast<double>(std::uint64_t{1} << level_); }
    std::size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

  private:
    struct Slot {
        std::uint64_t hash = 0;  // 0 = empty (hash 0 is counted apart)
        std::uint64_t count = 0; // rows with this hash
    };
    void rebuild(std::size_t slot_count);
    Slot* find(std::uint64_t hash);

    std::size_t limit_;
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
    int level_ = 0;
    std::uint64_t zero_count_ = 0;
};

} // namespace llmops::data
