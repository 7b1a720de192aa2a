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
#include <string>
#include <string_view>
#include <vector>

namespace llmops::drift {

class WordSet {
  public:
    bool contains(std::string_view word) const;
    void insert(std::string_view word);
    // Adds every word of `other`.
    void merge(const WordSet& other);
    std::size_t size() const { return size_; }

  private:
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

} // namespace llmops::drift
