#pragma once
// The most frequent values of a field: exact counts while there are at most `capacity`
// distinct values, then a Misra-Gries summary with batched decrements (counts become lower
// bounds, each at most error_bound() below the truth, and every value more frequent than
// error_bound() is kept).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::stats {

struct TopValue {
    std::string text; // canonical JSON text of the value, possibly cut (see truncated)
    bool truncated = false;
    std::uint64_t count = 0; // exact when TopValues::exact(), else a lower bound
};

class TopValues {
  public:
    // Values are remembered by their first kMaxTextBytes bytes: enough to show them.
    static constexpr std::size_t kMaxTextBytes = 160;

    explicit TopValues(std::size_t capacity);

    // `hash` identifies the value; `text` is its canonical JSON text.
    void add(std::uint64_t hash, std::string_view text);
    bool exact() const { return error_bound_ == 0; }
    std::uint64_t error_bound() const { return error_bound_; }
    // The k most frequent, by count then text.
    std::vector<TopValue> top(std::size_t k) const;
    std::size_t memory_bytes() const;

  private:
    struct Entry {
        std::uint64_t hash;
        std::uint64_t count;
        std::uint32_t offset; // into arena_
        std::uint32_t length;
        bool truncated;
    };
    void purge();
    void rebuild_index();
    std::size_t find_slot(std::uint64_t hash) const;

    std::size_t capacity_;
    std::vector<Entry> entries_;
    std::vector<std::uint32_t> index_; // entry position + 1; 0 = empty
    std::string arena_;                // the remembered texts, back to back
    std::uint64_t error_bound_ = 0;
};

} // namespace llmops::stats
