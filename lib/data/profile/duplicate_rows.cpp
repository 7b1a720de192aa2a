#include "data/profile/duplicate_rows.hpp"

#include <algorithm>

namespace llmops::data {

namespace {
std::size_t slot_of(std::uint64_t hash, std::size_t mask) {
    // High bits for the slot: the low bits choose the sample.
    return static_cast<std::size_t>(hash >> 40) & mask;
}
} // namespace

DuplicateRowCounter::DuplicateRowCounter(std::size_t limit)
    : limit_(std::max<std::size_t>(limit, 16)) {
    slots_.resize(64);
}

DuplicateRowCounter::Slot* DuplicateRowCounter::find(std::uint64_t hash) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = slot_of(hash, mask);
    while (slots_[i].hash != 0 && slots_[i].hash != hash)
        i = (i + 1) & mask;
    return &slots_[i];
}

void DuplicateRowCounter::add_hash(std::uint64_t hash) {
    const std::uint64_t sample_mask = (std::uint64_t{1} << level_) - 1;
    if ((hash & sample_mask) != 0) return;
    if (hash == 0) {
        ++zero_count_;
        return;
    }
    Slot* slot = find(hash);
    if (slot->hash != 0) {
        ++slot->count;
        return;
    }
    *slot = Slot{hash, 1};
    ++size_;
    if (size_ > limit_) {
        ++level_; // keep half: those whose next low bit is zero too
        rebuild(slots_.size());
    } else if (size_ * 4 > slots_.size() * 3) {
        rebuild(slots_.size() * 2);
    }
}

void DuplicateRowCounter::rebuild(std::size_t slot_count) {
    const std::uint64_t sample_mask = (std::uint64_t{1} << level_) - 1;
    std::vector<Slot> old(slot_count);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old) {
        if (s.hash == 0 || (s.hash & sample_mask) != 0) continue;
        *find(s.hash) = s;
        ++size_;
    }
}

std::uint64_t DuplicateRowCounter::duplicates() const {
    std::uint64_t repeats = zero_count_ > 0 ? zero_count_ - 1 : 0;
    for (const Slot& s : slots_)
        if (s.hash != 0) repeats += s.count - 1;
    return repeats << level_;
}

} // namespace llmops::data
