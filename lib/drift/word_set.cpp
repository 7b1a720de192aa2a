#include "drift/word_set.hpp"

// XXH3 inlined here, for the words longer than 8 bytes.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace llmops::drift {

std::uint64_t WordSet::long_word_hash(std::string_view word) {
    return XXH3_64bits(word.data(), word.size());
}

void WordSet::place(std::uint64_t hash, std::size_t offset, std::uint32_t length) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (slots_[i].used)
        i = (i + 1) & mask;
    slots_[i] = {hash, offset, length, true};
}

void WordSet::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    for (const Slot& slot : old)
        if (slot.used) place(slot.hash, slot.offset, slot.length);
}

void WordSet::insert(std::string_view word) {
    if (slots_.empty()) grow();
    const std::uint64_t hash = hash_of(word);
    std::size_t i = find_slot(word, hash);
    if (slots_[i].used) return;
    const std::size_t offset = arena_.size();
    arena_.append(word);
    slots_[i] = {hash, offset, static_cast<std::uint32_t>(word.size()), true};
    if (++size_ * 2 > slots_.size()) grow();
}

void WordSet::merge(const WordSet& other) {
    for (const Slot& slot : other.slots_)
        if (slot.used) insert(std::string_view(other.arena_.data() + slot.offset, slot.length));
}

} // namespace llmops::drift
