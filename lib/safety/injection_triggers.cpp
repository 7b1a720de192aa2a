// The trigger pass of the injection rules (injection_triggers.hpp). A hand-written word table
// rather than a packaged multi-pattern matcher: RE2's FilteredRE2 gives no positions and its
// atoms are the rules' common words (docs/performance.md), and the windows need word tokens,
// line starts and byte runs that one scan of the text yields together.
#include "safety/injection_triggers.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>

#include "safety/injection_reach.hpp"
#include "safety/injection_scan_masks.hpp"

namespace llmops::safety {

namespace {

constexpr std::size_t kMaxTriggerWord = 16;
constexpr std::size_t kMinEncodedRun = 24; // the probes' {24,}
constexpr std::size_t kMarkdownText = 300; // "[^\]\n]{0,300}" between '[' and "]("
constexpr std::size_t kMaxGroups = 128;
// The cuckoo table's slot field: the word table's slot, and a flag for words that anchor a rule.
constexpr std::int32_t kSlotBits = 0xFFFFF;
constexpr std::uint32_t kAnchorsRule = 1U << 20;

// Byte flags for the byte-by-byte parts of the scan (ByteMasks has the same classes).
enum : std::uint8_t {
    kAlnum = 1,
    kBase64 = 2,    // [A-Za-z0-9+/]
    kBase64Url = 4, // [A-Za-z0-9_-]
    kHexish = 8,    // [0-9A-Fa-f :\\xX]: every hex probe match is a run of these
    kOther = 16,    // ByteMasks::other: not a letter, digit, apostrophe or non-ASCII byte
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
        if (hex || c == ' ' || c == ':' || c == '\\' || c == 'x' || c == 'X') v |= kHexish;
        if (!digit && !letter && c != '\'' && c < 0x80) v |= kOther;
        f[static_cast<std::size_t>(c)] = v;
    }
    return f;
}
constexpr std::array<std::uint8_t, 256> kFlags = make_flags();

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
constexpr std::array<std::uint64_t, 18> kLowMasks = make_half_masks(false);
constexpr std::array<std::uint64_t, 18> kHighMasks = make_half_masks(true);

// Lower-cased token bytes (the first 16 of a longer token, which then matches no trigger word);
// `bytes` holds ASCII letters and digits only, and `readable` bytes from it may be read.
WordKey word_key(const unsigned char* bytes, std::size_t length, std::size_t readable) {
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

std::size_t word_hash(const WordKey& key, int bits) {
    std::uint64_t h = key.low * 0x9E3779B97F4A7C15ULL ^ key.high * 0xC2B2AE3D27D4EB4FULL ^
                      (std::uint64_t{key.length} << 57);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h >> (64 - bits));
}

// Two table positions per word for the cuckoo table, from the top bits of one hash (two
// independent multiplications: short to compute for every word of a text).
std::uint64_t word_hash2(const WordKey& key, std::uint64_t seed) {
    return ((key.low ^ seed) * 0x9E3779B97F4A7C15ULL) ^ (key.high * 0xC2B2AE3D27D4EB4FULL) ^
           (std::uint64_t{key.length} << 40);
}
std::size_t first_place(std::uint64_t hash) {
    return static_cast<std::size_t>(hash >> 54);
}
std::size_t second_place(std::uint64_t hash) {
    return static_cast<std::size_t>(hash >> 44) & 1023;
}

bool same_key(const WordKey& a, const WordKey& b) { // no branch: most words are no trigger
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
    // Word anchors: the companion groups wanted on either side, before and after the anchor.
    // Companion groups are bits of a word (Index::companion_bit): all of them, and those
    // wanted on either side, before and after the anchor.
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

bool is_space_or_tab(unsigned char c) {
    return c == ' ' || c == '\t';
}

// Whether a word at `begin` of the piece `b` meets its group's where-condition: only the piece's
// bytes count.
bool where_holds(const unsigned char* b, std::size_t begin, const GroupInfo& group) {
    if (group.where == TriggerWhere::after_byte) return begin > 0 && group.after[b[begin - 1]];
    if (group.where == TriggerWhere::line_start) {
        std::size_t at = begin;
        while (at > 0 && is_space_or_tab(b[at - 1]))
            --at;
        return at == 0 || b[at - 1] == '\n';
    }
    return true;
}

} // namespace

struct InjectionTriggers::Index {
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

bool InjectionTriggers::Index::build_cuckoo() {
    std::fill(cuckoo.begin(), cuckoo.end(), WordKey{});
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (!table[i].used) continue;
        WordKey key = table[i].key;
        key.slot = static_cast<std::int32_t>(i | (rules_of_slot[i] != 0 ? kAnchorsRule : 0));
        const std::uint64_t hash = word_hash2(key, seed);
        if (first_place(hash) == second_place(hash)) return false; // lookup adds both places
        std::size_t at = first_place(hash);
        for (int kick = 0;; ++kick) {
            if (kick == 64) return false;
            std::swap(key, cuckoo[at]);
            if (key.slot < 0) break;
            const std::uint64_t h = word_hash2(key, seed); // the evicted word's other place
            at = at == first_place(h) ? second_place(h) : first_place(h);
        }
    }
    return true;
}

InjectionTriggers::InjectionTriggers(const std::vector<std::string_view>& rule_ids,
                                     const std::vector<std::string>& patterns)
    : index_(std::make_unique<Index>()) {
    Index& x = *index_;
    x.table.resize(std::size_t{1} << x.bits);
    std::map<std::tuple<int, std::string, std::string>, int> group_ids;
    std::size_t words = 0;
    for (std::size_t r = 0; r < rule_ids.size(); ++r) {
        const auto& specs = rule_trigger_specs();
        auto spec = std::find_if(specs.begin(), specs.end(), [&](const RuleTriggerSpec& s) {
            return s.rule_id == rule_ids[r];
        });
        if (spec == specs.end())
            throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                   " has no triggers");
        RuleInfo info;
        info.anchor = spec->anchor;
        for (const auto& group : spec->groups) {
            auto signature = std::make_tuple(static_cast<int>(group.where),
                                             std::string(group.after), std::string(group.words));
            auto [it, fresh] = group_ids.emplace(signature, static_cast<int>(x.groups.size()));
            if (fresh) {
                GroupInfo g;
                g.where = group.where;
                for (char c : group.after)
                    g.after[static_cast<unsigned char>(c)] = true;
                x.groups.push_back(g);
                std::string_view list = group.words;
                while (!list.empty()) {
                    std::size_t space = list.find(' ');
                    std::string_view word = list.substr(0, space);
                    list = space == std::string_view::npos ? "" : list.substr(space + 1);
                    if (word.empty()) continue;
                    bool ok = word.size() <= kMaxTriggerWord &&
                              std::all_of(word.begin(), word.end(), [](char c) {
                                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                              });
                    if (!ok)
                        throw std::logic_error("injection trigger word '" + std::string(word) +
                                               "' is not a lower-case token of up to 16 bytes");
                    auto& slot = x.slot_for(word_key(
                        reinterpret_cast<const unsigned char*>(word.data()), word.size(), 0));
                    if (!slot.used) ++words;
                    slot.used = true;
                    slot.key = word_key(reinterpret_cast<const unsigned char*>(word.data()),
                                        word.size(), 0);
                    if (slot.groups.empty() || slot.groups.back() != it->second)
                        slot.groups.push_back(it->second);
                    if (words * 2 > x.table.size())
                        throw std::logic_error("injection trigger table is too small");
                }
            }
            info.groups.push_back(it->second);
            const bool word_anchor =
                info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image;
            if (info.groups.size() > 1 || !word_anchor) {
                x.companion_bit.resize(x.groups.size(), -1);
                int& bit = x.companion_bit[static_cast<std::size_t>(it->second)];
                if (bit < 0) {
                    if (x.companion_group.size() == 64)
                        throw std::logic_error("injection triggers hold at most 64 companions");
                    bit = static_cast<int>(x.companion_group.size());
                    x.companion_group.push_back(it->second);
                }
                const std::uint64_t mask = std::uint64_t{1} << bit;
                info.companions |= mask;
                if (group.side == TriggerSide::before)
                    info.before |= mask;
                else if (group.side == TriggerSide::after)
                    info.after |= mask;
                else
                    info.either |= mask;
            }
        }
        bool by_runs = info.anchor == TriggerAnchor::word ||
                       info.anchor == TriggerAnchor::line_marker ||
                       info.anchor == TriggerAnchor::end_marker;
        if (by_runs) {
            info.reach = max_runs_in_match(patterns[r]);
            if (info.reach >= kUnboundedRuns)
                throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                       " has no bound on its runs");
        }
        if ((info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image) &&
            info.groups.empty())
            throw std::logic_error("injection rule " + std::string(rule_ids[r]) +
                                   " has no anchor words");
        if (r >= 64) throw std::logic_error("injection triggers hold at most 64 rules");
        const std::uint64_t bit = std::uint64_t{1} << r;
        if (info.anchor == TriggerAnchor::word || info.anchor == TriggerAnchor::html_image) {
            x.rules_of_group.resize(x.groups.size());
            x.rules_of_group[static_cast<std::size_t>(info.groups[0])] |= bit;
        } else {
            x.rules_of_anchor[static_cast<int>(info.anchor)] |= bit;
        }
        x.rules.push_back(std::move(info));
    }
    // What a piece's words make candidates, and which groups a candidate needs placed.
    x.rules_of_group.resize(x.groups.size());
    if (x.groups.size() > kMaxGroups) throw std::logic_error("too many injection trigger groups");
    x.rules_of_slot.resize(x.table.size());
    x.companion_bit.resize(x.groups.size(), -1);
    x.companions_of_slot.resize(x.table.size());
    for (std::size_t i = 0; i < x.table.size(); ++i) {
        for (int g : x.table[i].groups) {
            x.rules_of_slot[i] |= x.rules_of_group[static_cast<std::size_t>(g)];
            if (int bit = x.companion_bit[static_cast<std::size_t>(g)]; bit >= 0)
                x.companions_of_slot[i] |= std::uint64_t{1} << bit;
        }
    }
    x.anchor_of_rule.resize(x.rules.size());
    for (std::size_t r = 0; r < x.rules.size(); ++r)
        if (x.rules[r].anchor == TriggerAnchor::word ||
            x.rules[r].anchor == TriggerAnchor::html_image)
            x.anchor_of_rule[r].set(static_cast<std::size_t>(x.rules[r].groups[0]));
    for (std::size_t bit = 0; bit < x.companion_group.size(); ++bit)
        if (x.groups[static_cast<std::size_t>(x.companion_group[bit])].where !=
            TriggerWhere::anywhere)
            x.companions_with_where |= std::uint64_t{1} << bit;
    if (x.table.size() > static_cast<std::size_t>(kSlotBits))
        throw std::logic_error("injection trigger table is too large");
    for (x.seed = 0; !x.build_cuckoo(); ++x.seed)
        if (x.seed == 64) throw std::logic_error("injection trigger words do not fit the table");
}

InjectionTriggers::~InjectionTriggers() = default;

int InjectionTriggers::reach(std::size_t index) const {
    return index_->rules[index].reach;
}

// Every word of the text that is a trigger word, or may be an end marker, with its rank: the
// number of runs of other bytes that start right after a word before it.
void InjectionTriggers::Index::scan_words(TriggerScan& scan) const {
    const auto* b = reinterpret_cast<const unsigned char*>(scan.text.data());
    const std::size_t n = scan.text.size();
    const auto& alnum = scan.masks.bits[ByteMasks::alnum];
    const std::size_t blocks = scan.masks.blocks;
    std::uint32_t rank = 0;
    std::size_t begin = 0;
    bool open = false; // a word started and has not ended yet
    // The words ending in one block (at most 32) are written here whether they are kept or not,
    // and only the kept ones counted: no branch on the outcome of a lookup.
    auto& words = scan.words;
    auto& anchor_list = scan.anchors;
    TriggerWord* block_words = nullptr;
    std::size_t kept = 0;
    std::size_t* block_anchors = nullptr; // the kept words that anchor a rule or end markers
    std::size_t anchors = 0;
    std::size_t words_before = 0; // words kept in the blocks before this one
    auto on_word = [&](std::size_t end) {
        const std::size_t length = end - begin;
        const WordKey key = word_key(b + begin, std::min(length, kMaxTriggerWord + 1), n - begin);
        TriggerWord& word = block_words[kept];
        word.begin = begin;
        word.end = end;
        word.rank = rank;
        const std::int32_t found = lookup(key); // none for a key of 17 bytes
        word.slot = found < 0 ? -1 : found & kSlotBits;
        // "end", "close" or "stop" first (the key is lower-cased and zero past the word).
        const bool marker = (key.low & 0xFFFFFF) == 0x646E65 ||          // "end"
                            (key.low & 0xFFFFFFFF) == 0x706F7473 ||      // "stop"
                            (key.low & 0xFFFFFFFFFF) == 0x65736F6C63ULL; // "close"
        word.end_marker = marker;
        block_anchors[anchors] = words_before + kept;
        anchors += static_cast<std::size_t>(
            (static_cast<std::uint32_t>(found) & (kAnchorsRule | 0x80000000U)) == kAnchorsRule ||
            marker);
        kept += static_cast<std::size_t>(word.slot >= 0 || marker);
        if (end < n) rank += (kFlags[b[end]] & kOther) != 0;
    };
    // Word starts and last bytes from the mask, in order: they alternate.
    for (std::size_t block = 0; block < blocks; ++block) {
        const std::uint64_t m = alnum[block];
        const std::uint64_t before = block > 0 ? alnum[block - 1] >> 63 : 0;
        const std::uint64_t after = block + 1 < blocks ? alnum[block + 1] & 1 : 0;
        std::uint64_t starts = m & ~((m << 1) | before);
        std::uint64_t lasts = m & ~((m >> 1) | (after << 63));
        const std::size_t base = block * 64;
        words_before = words.size();
        const std::size_t anchors_before = anchor_list.size();
        words.resize(words_before + 33); // a block ends at most 32 words; not cleared
        anchor_list.resize(anchors_before + 33);
        block_words = words.data() + words_before;
        block_anchors = anchor_list.data() + anchors_before;
        for (;;) {
            if (!open) {
                if (!starts) break;
                begin = base + static_cast<std::size_t>(__builtin_ctzll(starts));
                starts &= starts - 1;
                open = true;
            }
            if (!lasts) break;
            const std::size_t end = base + static_cast<std::size_t>(__builtin_ctzll(lasts)) + 1;
            lasts &= lasts - 1;
            open = false;
            on_word(end);
        }
        words.resize(words_before + kept);
        anchor_list.resize(anchors_before + anchors);
        kept = 0;
        anchors = 0;
    }
}

void InjectionTriggers::Index::scan_runs(TriggerScan& scan) const {
    const auto* b = reinterpret_cast<const unsigned char*>(scan.text.data());
    const std::size_t n = scan.text.size();
    const ByteMasks& masks = scan.masks;
    const std::uint8_t flag[3] = {kBase64, kBase64Url, kHexish};
    const ByteMasks::Kind kind[3] = {ByteMasks::base64, ByteMasks::base64url, ByteMasks::hexish};
    for (int k = 0; k < 3; ++k) {
        auto& out = scan.runs[k];
        std::size_t start = 0; // of the current run
        for (std::size_t block = 0; block < masks.blocks; ++block) {
            const std::size_t base = block * 64;
            const std::uint64_t m = masks.bits[kind[k]][block];
            if (m == ~std::uint64_t{0}) continue;
            // Runs of 24+ are rare: this block is read byte by byte only when one may end or
            // lie in it. y: bit i set when bytes i..i+23 of the block are all in the class.
            std::uint64_t y = m & (m >> 1);
            y &= y >> 2;
            y &= y >> 4;
            y &= y >> 8;
            y &= y >> 8;
            const std::size_t leading = static_cast<std::size_t>(__builtin_ctzll(~m));
            if (y == 0 && base - start + leading < kMinEncodedRun) {
                start = base + 64 - static_cast<std::size_t>(__builtin_clzll(~m));
                continue;
            }
            const std::size_t stop = std::min(n, base + 64);
            for (std::size_t i = base; i < stop; ++i) {
                if (kFlags[b[i]] & flag[k]) continue;
                if (i - start >= kMinEncodedRun) out.emplace_back(start, i);
                start = i + 1;
            }
        }
        if (n - std::min(start, n) >= kMinEncodedRun) out.emplace_back(start, n);
    }
}

// The groups a trigger word counts for in a piece starting at `offset` (`b` is the piece):
// where a group wants a byte before the word or a line start, only the piece's bytes count.
void InjectionTriggers::Index::place_word(const unsigned char* b, std::size_t index,
                                          const TriggerWord& word, std::size_t offset,
                                          const std::bitset<kMaxGroups>& needed,
                                          ScanHits& hits) const {
    const std::size_t begin = word.begin - offset;
    const std::size_t end = word.end - offset;
    if (word.slot >= 0) {
        for (int g : table[static_cast<std::size_t>(word.slot)].groups) {
            if (!needed[static_cast<std::size_t>(g)]) continue;
            if (!where_holds(b, begin, groups[static_cast<std::size_t>(g)])) continue;
            auto& list = hits.groups[static_cast<std::size_t>(g)];
            if (list.empty()) hits.touched.push_back(g);
            list.push_back({begin, end, word.rank, index});
        }
    }
    // end_marker: "end", "close" or "stop" right after a delimiter ("---", "[", "<" ...).
    if (word.end_marker) {
        std::size_t at = begin;
        while (at > 0 && is_space_or_tab(b[at - 1]))
            --at;
        if (at > 0) {
            unsigned char c = b[at - 1];
            bool opener = c == '[' || c == '<' || c == '(';
            if ((c == '-' || c == '=' || c == '#' || c == '*') && at >= 3 && b[at - 2] == c &&
                b[at - 3] == c)
                opener = true;
            if (opener) hits.end_markers.push_back({begin, end});
        }
    }
}

// The hits of the piece [begin, end) of a scanned text, as a scan of the piece alone finds
// them. Ranks keep the whole text's count: they differ from the piece's by a constant, and
// only their differences are read.
void InjectionTriggers::Index::piece_hits(const TriggerScan& scan, std::size_t begin,
                                          std::size_t end, ScanHits& hits) const {
    const auto* b = reinterpret_cast<const unsigned char*>(scan.text.data()) + begin;
    const std::size_t n = end - begin;
    hits.clear(groups.size());
    // Pieces come in order: the previous piece left the cursors where this one starts.
    std::size_t first = scan.next_word;
    if (!(first <= scan.words.size() &&
          (first == scan.words.size() || scan.words[first].begin >= begin) &&
          (first == 0 || scan.words[first - 1].begin < begin)))
        first = static_cast<std::size_t>(
            std::lower_bound(scan.words.begin(), scan.words.end(), begin,
                             [](const TriggerWord& w, std::size_t at) { return w.begin < at; }) -
            scan.words.begin());
    std::size_t last = first; // a piece holds few words: walking is cheaper than bisecting
    while (last < scan.words.size() && scan.words[last].begin < end)
        ++last;
    scan.next_word = last;
    hits.offset = begin;
    hits.first = first;
    hits.last = last;
    // Only the words that anchor a rule (or may be end markers) are placed; the others are
    // companions, looked up where an anchor is.
    const auto& anchors = scan.anchors;
    std::size_t first_anchor = scan.next_anchor;
    if (!(first_anchor <= anchors.size() &&
          (first_anchor == anchors.size() || anchors[first_anchor] >= first) &&
          (first_anchor == 0 || anchors[first_anchor - 1] < first)))
        first_anchor = static_cast<std::size_t>(
            std::lower_bound(anchors.begin(), anchors.end(), first) - anchors.begin());
    std::size_t last_anchor = first_anchor;
    std::uint64_t candidates = 0;
    for (; last_anchor < anchors.size() && anchors[last_anchor] < last; ++last_anchor) {
        const TriggerWord& word = scan.words[anchors[last_anchor]];
        if (word.slot >= 0) candidates |= rules_of_slot[static_cast<std::size_t>(word.slot)];
    }
    scan.next_anchor = last_anchor;
    std::bitset<kMaxGroups> needed;
    for (; candidates; candidates &= candidates - 1)
        needed |= anchor_of_rule[static_cast<std::size_t>(__builtin_ctzll(candidates))];
    for (std::size_t k = first_anchor; k < last_anchor; ++k)
        place_word(b, anchors[k], scan.words[anchors[k]], begin, needed, hits);
    auto line_start = [&](std::size_t at) {
        while (at < n && is_space_or_tab(b[at]))
            ++at;
        if (at < n && (b[at] == '#' || b[at] == '*' || b[at] == '_' || b[at] == '>'))
            hits.line_markers.push_back({at, at + 1});
    };
    line_start(0);
    std::size_t after_special = 0; // after the last '\n' or ']' of the piece so far
    for (std::size_t at = scan.masks.next(ByteMasks::special, begin, true, end); at < end;
         at = scan.masks.next(ByteMasks::special, at + 1, true, end)) {
        const std::size_t k = at - begin;
        if (b[k] == '\n') {
            line_start(k + 1);
        } else if (k + 1 < n && b[k + 1] == '(') { // b[k] is ']'
            // The text part of a match holds no ']' or line break: its '[' follows them.
            const std::size_t from =
                std::max(after_special, k > kMarkdownText + 1 ? k - kMarkdownText - 1 : 0);
            if (const void* open = std::memchr(b + from, '[', k - from)) {
                const auto bracket =
                    static_cast<std::size_t>(static_cast<const unsigned char*>(open) - b);
                hits.markdown_targets.push_back({bracket > 0 ? bracket - 1 : 0, k});
            }
        }
        after_special = k + 1;
    }
    // Runs of the whole text cut to the piece: the piece's own runs.
    std::vector<Span>* out[3] = {&hits.base64_runs, &hits.base64url_runs, &hits.hex_runs};
    for (int k = 0; k < 3; ++k) {
        const auto& runs = scan.runs[k];
        std::size_t run = scan.next_run[k];
        if (!(run <= runs.size() && (run == runs.size() || runs[run].second > begin) &&
              (run == 0 || runs[run - 1].second <= begin)))
            run = static_cast<std::size_t>(
                std::lower_bound(runs.begin(), runs.end(), begin,
                                 [](const std::pair<std::size_t, std::size_t>& r, std::size_t at) {
                                     return r.second <= at;
                                 }) -
                runs.begin());
        for (; run < runs.size() && runs[run].first < end; ++run) {
            const std::size_t from = std::max(runs[run].first, begin);
            const std::size_t to = std::min(runs[run].second, end);
            if (to - from >= kMinEncodedRun) out[k]->push_back({from - begin, to - begin});
        }
        if (run > 0 && runs[run - 1].second > end) --run; // it goes on in the next piece
        scan.next_run[k] = run;
    }
}

void InjectionTriggers::scan(std::string_view text, TriggerScan& out) const {
    out.text = text;
    out.words.clear();
    out.anchors.clear();
    for (auto& runs : out.runs)
        runs.clear();
    out.next_word = 0;
    out.next_anchor = 0;
    out.next_run[0] = out.next_run[1] = out.next_run[2] = 0;
    out.masks.fill(text);
    index_->scan_words(out);
    index_->scan_runs(out);
}

void InjectionTriggers::windows(const TriggerScan& scan, std::size_t begin, std::size_t end,
                                std::vector<RuleWindow>& out) const {
    out.clear();
    const std::string_view piece = scan.text.substr(begin, end - begin);
    const auto* b = reinterpret_cast<const unsigned char*>(scan.text.data());
    const std::size_t n = scan.text.size();
    // A piece that cuts a word in two has words the whole text does not: scanned on its own
    // (chunk mode cuts at a space where it can).
    auto alnum = [&](std::size_t at) { return (kFlags[b[at]] & kAlnum) != 0; };
    if ((begin > 0 && begin < n && alnum(begin - 1) && alnum(begin)) ||
        (end > begin && end < n && alnum(end - 1) && alnum(end))) {
        thread_local TriggerScan own;
        this->scan(piece, own);
        windows(own, 0, piece.size(), out);
        return;
    }
    thread_local ScanHits hits; // reused between calls: a piece must not pay for allocations
    index_->piece_hits(scan, begin, end, hits);
    index_->build_windows(piece, scan, hits, out);
}

std::vector<RuleWindow> InjectionTriggers::windows(std::string_view text) const {
    thread_local TriggerScan scanned;
    scan(text, scanned);
    std::vector<RuleWindow> out;
    windows(scanned, 0, text.size(), out);
    return out;
}

void InjectionTriggers::Index::build_windows(std::string_view text, const TriggerScan& scan,
                                             const ScanHits& hits,
                                             std::vector<RuleWindow>& out) const {
    const Index& x = *this;
    const auto* b = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    const auto& words = scan.words;
    thread_local std::vector<Span> found;
    // A word of every companion group lies wholly in [begin, end).
    auto companions_inside = [&](std::uint64_t want, std::size_t begin, std::size_t end) {
        if (want == 0) return true;
        std::uint64_t got = 0;
        auto it =
            std::lower_bound(words.begin() + static_cast<long>(hits.first),
                             words.begin() + static_cast<long>(hits.last), begin + hits.offset,
                             [](const TriggerWord& w, std::size_t at) { return w.begin < at; });
        for (; it != words.begin() + static_cast<long>(hits.last) && it->end <= end + hits.offset;
             ++it)
            got |= companions_in_piece(b, hits.offset, *it, want);
        return got == want;
    };
    // For word anchors: a word of every other group within `reach` ranks (Span::rank), on the
    // side of the anchor the rule puts it (either side: the anchor itself counts too).
    auto companions_near = [&](const RuleInfo& rule, const Span& anchor) {
        const auto reach = static_cast<std::uint32_t>(rule.reach);
        const std::uint64_t left_want = rule.before | rule.either;
        const std::uint64_t right_want = rule.after | rule.either;
        std::uint64_t left = companions_in_piece(b, hits.offset, words[anchor.word], rule.either);
        std::uint64_t right = left;
        for (std::size_t j = anchor.word; j-- > hits.first && (left & left_want) != left_want;) {
            if (words[j].rank + reach < anchor.rank) break;
            left |= companions_in_piece(b, hits.offset, words[j], left_want);
        }
        for (std::size_t j = anchor.word + 1;
             j < hits.last && ((left | right) & right_want) != right_want; ++j) {
            if (words[j].rank > anchor.rank + reach) break;
            right |= companions_in_piece(b, hits.offset, words[j], right_want);
        }
        return ((left | right) & rule.either) == rule.either &&
               (left & rule.before) == rule.before && (right & rule.after) == rule.after;
    };
    std::uint64_t candidates = 0;
    for (int g : hits.touched)
        if (static_cast<std::size_t>(g) < x.rules_of_group.size())
            candidates |= x.rules_of_group[static_cast<std::size_t>(g)];
    auto anchored = [&](TriggerAnchor anchor, bool present) {
        if (present) candidates |= x.rules_of_anchor[static_cast<int>(anchor)];
    };
    anchored(TriggerAnchor::line_marker, !hits.line_markers.empty());
    anchored(TriggerAnchor::end_marker, !hits.end_markers.empty());
    anchored(TriggerAnchor::markdown_target, !hits.markdown_targets.empty());
    anchored(TriggerAnchor::base64_run, !hits.base64_runs.empty());
    anchored(TriggerAnchor::base64url_run, !hits.base64url_runs.empty());
    anchored(TriggerAnchor::hex_run, !hits.hex_runs.empty());
    for (; candidates; candidates &= candidates - 1) {
        const auto r = static_cast<std::size_t>(__builtin_ctzll(candidates));
        const RuleInfo& rule = x.rules[r];
        found.clear();
        auto by_runs = [&](const std::vector<Span>& anchors, std::size_t first_companion) {
            const std::uint64_t want = rule.companions;
            for (const Span& a : anchors) {
                if (first_companion > 0 && !companions_near(rule, a)) continue;
                const std::size_t begin =
                    scan.masks.walk_left(hits.offset + a.begin, hits.offset, rule.reach) -
                    hits.offset;
                const std::size_t end =
                    scan.masks.walk_right(hits.offset + a.end, hits.offset + n, rule.reach) -
                    hits.offset;
                if (companions_inside(want, begin, end)) found.push_back({begin, end});
            }
        };
        switch (rule.anchor) {
        case TriggerAnchor::word:
            by_runs(hits.groups[static_cast<std::size_t>(rule.groups[0])], 1);
            break;
        case TriggerAnchor::line_marker:
            by_runs(hits.line_markers, 0);
            break;
        case TriggerAnchor::end_marker:
            by_runs(hits.end_markers, 0);
            break;
        case TriggerAnchor::html_image:
            // No '>' inside a match: it ends before the next one.
            for (const Span& a : hits.groups[static_cast<std::size_t>(rule.groups[0])]) {
                const void* close = std::memchr(b + a.end, '>', n - a.end);
                std::size_t end =
                    close ? static_cast<std::size_t>(static_cast<const unsigned char*>(close) - b)
                          : n;
                found.push_back({a.begin - 1, end});
            }
            break;
        case TriggerAnchor::markdown_target:
            for (const Span& target : hits.markdown_targets) {
                const std::size_t k = target.end;
                std::size_t at = k + 2;
                while (at < n && is_space_or_tab(b[at]))
                    ++at;
                if (at < n && b[at] == '<') ++at;
                while (at < n && b[at] != ' ' && b[at] != '\t' && b[at] != '\n' && b[at] != '\r' &&
                       b[at] != '\f' && b[at] != ')' && b[at] != '>')
                    ++at;
                found.push_back({target.begin, at});
            }
            break;
        case TriggerAnchor::base64_run:
            for (const Span& s : hits.base64_runs)
                found.push_back({s.begin, std::min(n, s.end + 2)}); // "={0,2}"
            break;
        case TriggerAnchor::base64url_run:
            for (const Span& s : hits.base64url_runs)
                found.push_back({s.begin, std::min(n, s.end + 2)});
            break;
        case TriggerAnchor::hex_run:
            found.insert(found.end(), hits.hex_runs.begin(), hits.hex_runs.end());
            break;
        }
        if (found.empty()) continue;
        std::sort(found.begin(), found.end(),
                  [](const Span& a, const Span& c) { return a.begin < c.begin; });
        RuleWindow current{static_cast<int>(r), found[0].begin, found[0].end};
        for (std::size_t k = 1; k < found.size(); ++k) {
            if (found[k].begin <= current.end) {
                current.end = std::max(current.end, found[k].end);
            } else {
                out.push_back(current);
                current.begin = found[k].begin;
                current.end = found[k].end;
            }
        }
        out.push_back(current);
    }
}

} // namespace llmops::safety
