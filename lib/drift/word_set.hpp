#pragma once
// A set of words (byte strings) for the text vocabulary of drift: open addressing with linear
// probing over one flat array of slots, the words kept back to back in one arena.
//
// Our own rather than Abseil's flat_hash_set (libabsl-dev is installed): Debian's Abseil is
// built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0), so looking up a
// std::string_view would convert at each of the tens of millions of lookups a drift makes, and
// its types would enter this public header and its libraries the link of everything that uses
// lib/. The table is small: a slot keeps the word's 64-bit hash, so a probe compares bytes only
// on a full hash match. (Not measured against flat_hash_set.)
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::drift {

class WordSet {
  public:
    // Inline (with the hash and the probe): the scan of a text calls it for every word.
    bool contains(std::string_view word) const {
        return size_ != 0 && slots_[find_slot(word, hash_of(word))].used;
    }
    void insert(std::string_view word);
    // Adds every word of `other`.
    void merge(const WordSet& other);
    std::size_t size() const { return size_; }

  private:
    static constexpr std::size_t kShortWord = 8;
    static std::uint64_t hash_of(std::string_view word);
    static std::uint64_t long_word_hash(std::string_view word); // XXH3
    struct Slot {
        std::uint64_t hash = 0;
        std::size_t offset = 0; // into arena_
        std::uint32_t length = 0;
        bool used = false;
    };
    // The slot holding `word` (hash `hash`), or the empty slot where it would go.
    std::size_t find_slot(std::string_view word, std::uint64_t hash) const;
    void place(std::uint64_t hash, std::size_t offset, std::uint32_t length);
    void grow();

    std::vector<Slot> slots_; // a power of two in size, at most half used
    std::string arena_;
    std::size_t size_ = 0;
};

// A word of at most 8 bytes hashes by a bijection of its bytes (read in two overlapping 4-byte
// loads, or three single bytes below 4; the length fixes the overlap), so among words of one
// length equal hashes mean equal words: a probe compares no bytes. Longer words take XXH3 and
// a byte comparison on a hash match.
inline std::uint64_t WordSet::hash_of(std::string_view word) {
    const std::size_t n = word.size();
    if (n > kShortWord) return long_word_hash(word);
    const auto load32 = [&](std::size_t at) {
        std::uint32_t v;
        std::memcpy(&v, word.data() + at, sizeof v);
        return v;
    };
    std::uint64_t key = 0;
    if (n >= 4) {
        key = load32(0) | std::uint64_t{load32(n - 4)} << 32;
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

inline std::size_t WordSet::find_slot(std::string_view word, std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (!slot.used) return i;
        if (slot.hash != hash || slot.length != word.size()) continue;
        if (word.size() <= kShortWord) return i;
        // Words are short: a loop kept inline is cheaper than a call to memcmp.
        const char* stored = arena_.data() + slot.offset;
        std::size_t k = 0;
        while (k < word.size() && stored[k] == word[k])
            ++k;
        if (k == word.size()) return i;
    }
}

} // namespace llmops::drift
