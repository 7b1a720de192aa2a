#include "drift/word_set.hpp"

#include <cstring>

// XXH3 inlined: short words hash in a few instructions, without a call into the library.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace llmops::drift {

namespace {

constexpr std::size_t kShortWord = 8;

std::uint32_t load32(const char* at) {
    std::uint32_t v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

// A word of at most 8 bytes hashes by a bijection of its bytes (read in two overlapping 4-byte
// loads, or three single bytes below 4; the length fixes the overlap), so among words of one
// length equal hashes mean equal words: a probe compares no bytes. Longer words take XXH3 and
// a byte comparison on a hash match.
std::uint64_t word_hash(std::string_view word) {
    const std::size_t n = word.size();
    if (n > kShortWord) return XXH3_64bits(word.data(), n);
    std::uint64_t key = 0;
    if (n >= 4) {
        key = load32(word.data()) | std::uint64_t{load32(word.data() + n - 4)} << 32;
    } else if (n > 0) {
        const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(word[i]); };
        key = byte(0) | std::uint64_t{byte(n / 2)} << 8 | std::uint64_t{byte(n - 1)} << 16;
    }
    // Odd multipliers and xor-shifts are invertible: still a bijection, with mixed low bits.
    key *= 0x9e3779b97f4a7c15ULL;
    key ^= key >> 32;
    key *= 0xd6e8feb86659fd93ULL;
    return key ^ (key >> 32);
}

// Words are short: a loop the compiler keeps inline is cheaper than a call to memcmp.
bool same_bytes(const char* stored, std::string_view word) {
    for (std::size_t i = 0; i < word.size(); ++i)
        if (stored[i] != word[i]) return false;
    return true;
}

} // namespace

std::size_t WordSet::find_slot(std::string_view word, std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (!slot.used) return i;
        if (slot.hash == hash && slot.length == word.size() &&
            (word.size() <= kShortWord || same_bytes(arena_.data() + slot.offset, word)))
            return i;
    }
}

bool WordSet::contains(std::string_view word) const {
    if (size_ == 0) return false;
    return slots_[find_slot(word, word_hash(word))].used;
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
    const std::uint64_t hash = word_hash(word);
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
