#include "stats/top_values.hpp"

#include <algorithm>

namespace llmops::stats {

TopValues::TopValues(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 2)) {
    std::size_t slots = 1;
    while (slots < capacity_ * 2)
        slots *= 2;
    index_.assign(slots, 0);
    entries_.reserve(capacity_);
}

std::size_t TopValues::find_slot(std::uint64_t hash) const {
    const std::size_t mask = index_.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash * 0x9E3779B97F4A7C15ULL >> 32) & mask;
    while (index_[i] != 0 && entries_[index_[i] - 1].hash != hash)
        i = (i + 1) & mask;
    return i;
}

void TopValues::add(std::uint64_t hash, std::string_view text) {
    std::size_t slot = find_slot(hash);
    if (index_[slot] != 0) {
        ++entries_[index_[slot] - 1].count;
        return;
    }
    if (entries_.size() == capacity_) {
        purge();
        slot = find_slot(hash);
    }
    const bool truncated = text.size() > kMaxTextBytes;
    if (truncated) text = text.substr(0, kMaxTextBytes);
    entries_.push_back(Entry{hash, 1, static_cast<std::uint32_t>(arena_.size()),
                             static_cast<std::uint32_t>(text.size()), truncated});
    arena_.append(text);
    index_[slot] = static_cast<std::uint32_t>(entries_.size());
}

// Batched Misra-Gries: subtract the median count from every counter and drop those that reach
// zero. At least half the counters go, so purges are rare and cost O(1) per added value; the
// total subtracted is the bound on how far any count may be below the truth.
void TopValues::purge() {
    std::vector<std::uint64_t> counts;
    counts.reserve(entries_.size());
    for (const auto& e : entries_)
        counts.push_back(e.count);
    auto middle = counts.begin() + static_cast<std::ptrdiff_t>(counts.size() / 2);
    std::nth_element(counts.begin(), middle, counts.end());
    const std::uint64_t decrement = *middle;
    error_bound_ += decrement;

    std::string arena;
    arena.reserve(arena_.size());
    std::size_t kept = 0;
    for (const auto& e : entries_) {
        if (e.count <= decrement) continue;
        Entry moved = e;
        moved.count -= decrement;
        moved.offset = static_cast<std::uint32_t>(arena.size());
        arena.append(arena_, e.offset, e.length);
        entries_[kept++] = moved;
    }
    entries_.resize(kept);
    arena_.swap(arena);
    rebuild_index();
}

void TopValues::rebuild_index() {
    std::fill(index_.begin(), index_.end(), 0);
    const std::size_t mask = index_.size() - 1;
    for (std::size_t n = 0; n < entries_.size(); ++n) {
        std::size_t i =
            static_cast<std::size_t>(entries_[n].hash * 0x9E3779B97F4A7C15ULL >> 32) & mask;
        while (index_[i] != 0)
            i = (i + 1) & mask;
        index_[i] = static_cast<std::uint32_t>(n + 1);
    }
}

std::vector<TopValue> TopValues::top(std::size_t k) const {
    std::vector<TopValue> all;
    all.reserve(entries_.size());
    for (const auto& e : entries_)
        all.push_back(TopValue{arena_.substr(e.offset, e.length), e.truncated, e.count});
    auto order = [](const TopValue& a, const TopValue& b) {
        return a.count != b.count ? a.count > b.count : a.text < b.text;
    };
    const std::size_t n = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), order);
    all.resize(n);
    return all;
}

std::size_t TopValues::memory_bytes() const {
    return entries_.capacity() * sizeof(Entry) + index_.size() * sizeof(std::uint32_t) +
           arena_.capacity();
}

} // namespace llmops::stats
