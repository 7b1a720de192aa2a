#include "stats/distinct_counter.hpp"

#include <cmath>

namespace llmops::stats {

bool HashSet64::insert(std::uint64_t hash) {
    if (hash == 0) {
        bool inserted = !has_zero_;
        has_zero_ = true;
        return inserted;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = slot_index(hash, mask);; i = (i + 1) & mask) {
        if (slots_[i] == hash) return false;
        if (slots_[i] == 0) {
            slots_[i] = hash;
            ++size_;
            return true;
        }
    }
}

bool HashSet64::contains(std::uint64_t hash) const {
    if (hash == 0) return has_zero_;
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = slot_index(hash, mask);; i = (i + 1) & mask) {
        if (slots_[i] == hash) return true;
        if (slots_[i] == 0) return false;
    }
}

void HashSet64::grow() {
    std::vector<std::uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint64_t h : old) {
        if (h == 0) continue;
        std::size_t i = slot_index(h, mask);
        while (slots_[i] != 0)
            i = (i + 1) & mask;
        slots_[i] = h;
    }
}

void HashSet64::clear() {
    std::vector<std::uint64_t>().swap(slots_);
    size_ = 0;
    has_zero_ = false;
}

void DistinctCounter::switch_to_estimate() {
    if (hll_) return;
    hll_.emplace();
    exact_.for_each([this](std::uint64_t h) { hll_->add_hash(h); });
    exact_.clear();
}

std::uint64_t DistinctCounter::count() const {
    if (!hll_) return exact_.size();
    return static_cast<std::uint64_t>(std::llround(hll_->estimate()));
}

} // namespace llmops::stats
