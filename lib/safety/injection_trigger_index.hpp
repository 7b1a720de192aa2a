#pragma once
// The internals of the injection trigger pass (injection_triggers.hpp), shared by the table
// builder (injection_trigger_index.cpp) and the scan and its windows (injection_triggers.cpp):
// byte classes, the word keys and their cuckoo table, the rules' groups and anchors, and what a
// piece of a scanned text holds.
#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "safety/injection_probe_match.hpp"
#include "safety/injection_scan_masks.hpp"
#include "safety/injection_triggers.hpp"

namespace llmops::safety::triggers_internal {

inline constexpr std::size_t kMaxTriggerWord = 16;
inline constexpr std::size_t kMarkdownText = 300; // "[^\]\n]{0,300}" between '[' and "]("
inline constexpr std::size_t kMaxGroups = 128;
// The cuckoo table's slot field: the word table's slot, and a flag for words that anchor a rule.
inline constexpr std::int32_t kSlotBits = 0xFFFFF;
inline constexpr std::uint32_t kAnchorsRule = 1U << 20;

// Byte flags for the byte-by-byte parts of the scan (ByteMasks has the same classes).
enum : std::uint8_t {
    kAlnum = 1,
    kBase64 = 2,    // [A-Za-z0-9+/]
    kBase64Url = 4, // [A-Za-z0-9_-]
    kHexish = 8,    // [0-9A-Fa-f :\\xX]: every hex probe match is a run of these
    kOther = 16,    // ByteMasks::other: not a letter, digit, apostrophe or non-ASCII byte
    kHex = 32,      // [0-9A-Fa-f]
};

constexpr std::array<std::uint8_t, 256> make_flags() {
    std::array<std::uint8_t, 256> f{};
    for (int c = 0; c < 256; ++c) {
        bool digit = c >= '0' && c <= '9';
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        std::uint8_t v = 0;
        if (digit || letter) v |= kAlnum | kBase64 | kBase64Url;
        if (c == '+' || c == '/') v |= kBase64;
        if (c == '_' || c == '-') v |= kBase64Url;
        if (hex) v |= kHex;
        if (hex || c == ' ' || c == ':' || c == '\\' || c == 'x' || c == 'X') v |= kHexish;
        if (!digit && !letter && c != '\'' && c < 0x80) v |= kOther;
        f[static_cast<std::size_t>(c)] = v;
    }
    return f;
}
inline constexpr std::array<std::uint8_t, 256> kFlags = make_flags();

struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    // Words only: TriggerWord::rank. A window of `reach` runs around a word crosses every run of
    // other bytes between it and a word inside, so that word's rank is within `reach` of it: a
    // check that needs no walking.
    std::uint32_t rank = 0;
    std::size_t word = 0; // word anchors: the index of the TriggerWord
};

struct WordKey {
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    std::uint32_t length = 0;
    std::int32_t slot = -1; // in the cuckoo table: the word's table slot
    bool operator==(const WordKey& other) const {
        return low == other.low && high == other.high && length == other.length;
    }
};

// The bytes of a key's two halves for each length (up to 17): tables, not branches.
constexpr std::array<std::uint64_t, 18> make_half_masks(bool high) {
    std::array<std::uint64_t, 18> masks{};
    for (std::size_t length = 0; length < 18; ++length) {
        std::size_t bytes = high ? (length > 8 ? length - 8 : 0) : length;
        masks[length] = bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
    }
    return masks;
}
inline constexpr std::array<std::uint64_t, 18> kLowMasks = make_half_masks(false);
inline constexpr std::array<std::uint64_t, 18> kHighMasks = make_half_masks(true);

// Lower-cased token bytes (the first 16 of a longer token, which then matches no trigger word);
// `bytes` holds ASCII letters and digits only, and `readable` bytes from it may be read.
inline WordKey word_key(const unsigned char* bytes, std::size_t length, std::size_t readable) {
    if (readable >= 16) { // one unaligned load per half; '| 0x20' lower-cases letters only
        WordKey key;
        std::memcpy(&key.low, bytes, 8);
        std::memcpy(&key.high, bytes + 8, 8);
        key.low = (key.low | 0x2020202020202020ULL) & kLowMasks[length];
        key.high = (key.high | 0x2020202020202020ULL) & kHighMasks[length];
        key.length = static_cast<std::uint32_t>(length);
        return key;
    }
    unsigned char buffer[kMaxTriggerWord] = {};
    for (std::size_t i = 0; i < std::min(length, kMaxTriggerWord); ++i)
        buffer[i] = static_cast<unsigned char>(bytes[i] | 0x20); // digits keep their value
    WordKey key;
    std::memcpy(&key.low, buffer, 8);
    std::memcpy(&key.high, buffer + 8, 8);
    key.length = static_cast<std::uint32_t>(length);
    return key;
}

inline std::size_t word_hash(const WordKey& key, int bits) {
    std::uint64_t h = key.low * 0x9E3779B97F4A7C15ULL ^ key.high * 0xC2B2AE3D27D4EB4FULL ^
                      (std::uint64_t{key.length} << 57);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h >> (64 - bits));
}

// Two table positions per word for the cuckoo table, from the top bits of one hash (two
// independent multiplications: short to compute for every word of a text).
inline std::uint64_t word_hash2(const WordKey& key, std::uint64_t seed) {
    return ((key.low ^ seed) * 0x9E3779B97F4A7C15ULL) ^ (key.high * 0xC2B2AE3D27D4EB4FULL) ^
           (std::uint64_t{key.length} << 40);
}
inline std::size_t first_place(std::uint64_t hash) {
    return static_cast<std::size_t>(hash >> 54);
}
inline std::size_t second_place(std::uint64_t hash) {
    return static_cast<std::size_t>(hash >> 44) & 1023;
}

inline bool same_key(const WordKey& a, const WordKey& b) { // no branch: most words are no trigger
    return ((a.low ^ b.low) | (a.high ^ b.high) | (a.length ^ b.length)) == 0;
}

struct GroupInfo {
    TriggerWhere where = TriggerWhere::anywhere;
    std::array<bool, 256> after{};
};

struct RuleInfo {
    TriggerAnchor anchor = TriggerAnchor::word;
    std::vector<int> groups; // group ids; for word and html_image anchors, [0] anchors
    int reach = 0;
    // Word anchors: the companion groups, as bits of a word (Index::companion_bit): all of them,
    // and those wanted on either side, before and after the anchor.
    std::uint64_t companions = 0;
    std::uint64_t either = 0;
    std::uint64_t before = 0;
    std::uint64_t after = 0;
};

// What a piece of a scanned text holds, relative to the piece.
struct ScanHits {
    std::vector<std::vector<Span>> groups; // by group id, by position
    std::vector<Span> line_markers;
    std::vector<Span> end_markers;
    // "](" (end) and where a markdown match with it can start (begin): a byte before the first
    // '[' that follows the last ']' or line break, 301 bytes back at most.
    std::vector<Span> markdown_targets;
    std::vector<Span> base64_runs;
    std::vector<Span> base64url_runs;
    std::vector<Span> hex_runs;

    std::vector<int> touched; // groups with hits
    // The piece: its offset in the scanned text, its TriggerWords [first, last), and the groups
    // they hold (where-conditions unchecked). Only anchor groups are placed in `groups`: the
    // companions are looked up among the TriggerWords near an anchor.
    std::size_t offset = 0;
    std::size_t first = 0;
    std::size_t last = 0;

    void clear(std::size_t group_count) {
        groups.resize(group_count);
        for (int g : touched)
            groups[static_cast<std::size_t>(g)].clear();
        touched.clear();
        line_markers.clear();
        end_markers.clear();
        markdown_targets.clear();
        base64_runs.clear();
        base64url_runs.clear();
        hex_runs.clear();
    }
};

inline bool is_space_or_tab(unsigned char c) {
    return c == ' ' || c == '\t';
}

// Whether a word at `begin` of the piece `b` meets its group's where-condition: only the piece's
// bytes count.
inline bool where_holds(const unsigned char* b, std::size_t begin, const GroupInfo& group) {
    if (group.where == TriggerWhere::after_byte) return begin > 0 && group.after[b[begin - 1]];
    if (group.where == TriggerWhere::line_start) {
        std::size_t at = begin;
        while (at > 0 && is_space_or_tab(b[at - 1]))
            --at;
        return at == 0 || b[at - 1] == '\n';
    }
    return true;
}

struct Index {
    struct Slot {
        WordKey key;
        std::vector<int> groups;
        bool used = false;
    };
    int bits = 10;
    std::vector<Slot> table;
    std::vector<GroupInfo> groups;
    std::vector<RuleInfo> rules;
    // Rules (bit r) anchored on each group's words, and on each kind of byte anchor: a text
    // visits only the rules something in it anchors.
    std::vector<std::uint64_t> rules_of_group;
    std::uint64_t rules_of_anchor[8] = {};
    // A piece places a word only in the groups its candidate rules read (most of a text's
    // trigger words are only companions): the rules each table slot's groups anchor, each
    // rule's groups, and the groups of rules not anchored on words.
    std::vector<std::uint64_t> rules_of_slot;
    std::vector<std::bitset<kMaxGroups>> anchor_of_rule; // groups[0] of word and image rules
    // Groups some rule reads as companions, numbered apart (at most 64): each table slot's as a
    // mask, and the group of each bit.
    std::vector<int> companion_bit; // by group, -1 for none
    std::vector<int> companion_group;
    std::vector<std::uint64_t> companions_of_slot;
    std::uint64_t companions_with_where = 0; // a where-condition to check per piece

    // Every trigger word at one of two places (cuckoo hashing), so that a lookup reads both
    // and decides without a branch: the words of prose are trigger words or not at random,
    // and a branch per word mispredicts often.
    static constexpr std::size_t kCuckooSlots = 1024; // first_place and second_place
    std::uint64_t seed = 0;
    std::vector<WordKey> cuckoo = std::vector<WordKey>(kCuckooSlots);
    std::int32_t lookup(const WordKey& key) const {
        const std::uint64_t h = word_hash2(key, seed);
        const WordKey& first = cuckoo[first_place(h)];
        const WordKey& second = cuckoo[second_place(h)];
        // A word is in one place at most: add the slot (+1) of the place that holds it.
        const auto in_first = -static_cast<std::int32_t>(same_key(first, key));
        const auto in_second = -static_cast<std::int32_t>(same_key(second, key));
        return ((first.slot + 1) & in_first) + ((second.slot + 1) & in_second) - 1;
    }
    bool build_cuckoo();

    Slot& slot_for(const WordKey& key) {
        std::size_t mask = table.size() - 1;
        for (std::size_t i = word_hash(key, bits);; i = (i + 1) & mask)
            if (!table[i].used || table[i].key == key) return table[i];
    }
    void scan_words(TriggerScan& scan) const;
    void scan_runs(TriggerScan& scan) const;
    void piece_hits(const TriggerScan& scan, std::size_t begin, std::size_t end,
                    ScanHits& hits) const;
    void place_word(const unsigned char* b, std::size_t index, const TriggerWord& word,
                    std::size_t offset, const std::bitset<kMaxGroups>& needed,
                    ScanHits& hits) const;
    // The companion groups `word` counts for in the piece `b` starting at `offset`, among
    // `wanted`.
    std::uint64_t companions_in_piece(const unsigned char* b, std::size_t offset,
                                      const TriggerWord& word, std::uint64_t wanted) const {
        if (word.slot < 0) return 0;
        std::uint64_t in = companions_of_slot[static_cast<std::size_t>(word.slot)] & wanted;
        for (std::uint64_t check = in & companions_with_where; check; check &= check - 1) {
            const int bit = __builtin_ctzll(check);
            const auto g = static_cast<std::size_t>(companion_group[static_cast<std::size_t>(bit)]);
            if (!where_holds(b, word.begin - offset, groups[g])) in &= ~(std::uint64_t{1} << bit);
        }
        return in;
    }
    void build_windows(std::string_view text, const TriggerScan& scan, const ScanHits& hits,
                       std::vector<RuleWindow>& out) const;
};

// Fills `x` from the rules (InjectionTriggers' constructor; the same contract).
void build_index(Index& x, const std::vector<std::string_view>& rule_ids,
                 const std::vector<std::string>& patterns);

} // namespace llmops::safety::triggers_internal
