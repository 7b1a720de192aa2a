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
constexpr std::size_t kMinEncodedRun = 24;   // the probes' {24,}
constexpr std::size_t kMarkdownBefore = 303; // "[^!\]]" + "[" + 300 + "]" before "]("
constexpr std::size_t kMaxGroups = 128;

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
};

struct WordKey {
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    std::uint32_t length = 0;
    bool operator==(const WordKey&) const = default;
};

std::uint64_t low_bytes(std::size_t count) { // a mask of the first `count` (<= 8) bytes
    return count >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * count)) - 1;
}

// Lower-cased token bytes; `bytes` holds ASCII letters and digits only, and `readable` bytes
// from it may be read.
WordKey word_key(const unsigned char* bytes, std::size_t length, std::size_t readable) {
    if (readable >= 16) { // one unaligned load per half; '| 0x20' lower-cases letters only
        WordKey key;
        std::memcpy(&key.low, bytes, 8);
        std::memcpy(&key.high, bytes + 8, 8);
        key.low = (key.low | 0x2020202020202020ULL) & low_bytes(length);
        key.high = length > 8 ? (key.high | 0x2020202020202020ULL) & low_bytes(length - 8) : 0;
        key.length = static_cast<std::uint32_t>(length);
        return key;
    }
    unsigned char buffer[kMaxTriggerWord] = {};
    for (std::size_t i = 0; i < length; ++i)
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

struct GroupInfo {
    TriggerWhere where = TriggerWhere::anywhere;
    std::array<bool, 256> after{};
};

struct RuleInfo {
    TriggerAnchor anchor = TriggerAnchor::word;
    std::vector<int> groups; // group ids; for word and html_image anchors, [0] anchors
    int reach = 0;
};

// What a piece of a scanned text holds, relative to the piece.
struct ScanHits {
    std::vector<std::vector<Span>> groups; // by group id, by position
    std::vector<Span> line_markers;
    std::vector<Span> end_markers;
    std::vector<std::size_t> markdown_targets; // offsets of "]("
    std::vector<Span> base64_runs;
    std::vector<Span> base64url_runs;
    std::vector<Span> hex_runs;

    std::vector<int> touched; // groups with hits

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

} // namespace

struct InjectionTriggers::Index {
    struct Slot {
        WordKey key;
        std::vector<int> groups;
        bool used = false;
    };
    int bits = 10;
    std::vector<Slot> table;
    // One bit per hash of a trigger word (another slice of the hash than the table's): most
    // words of a text are no trigger and stop here, without touching the table.
    static constexpr int kFilterBits = 14;
    std::vector<std::uint64_t> filter = std::vector<std::uint64_t>((1 << kFilterBits) / 64);
    // Length, first and last letter of every trigger word: a test that needs no hash.
    std::vector<std::uint64_t> shapes = std::vector<std::uint64_t>(17 * 32 * 32 / 64);
    static std::size_t shape_bit(unsigned char first, unsigned char last, std::size_t length) {
        return (length * 32 + (first & 31u)) * 32 + (last & 31u);
    }
    bool shape_may_match(unsigned char first, unsigned char last, std::size_t length) const {
        std::size_t bit = shape_bit(first, last, length);
        return shapes[bit / 64] >> (bit % 64) & 1;
    }
    static std::size_t filter_bit(const WordKey& key) {
        return word_hash(key, 64) & ((std::size_t{1} << kFilterBits) - 1);
    }
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
    std::vector<std::bitset<kMaxGroups>> groups_of_rule;
    std::bitset<kMaxGroups> groups_of_unanchored;

    Slot& slot_for(const WordKey& key) {
        std::size_t mask = table.size() - 1;
        for (std::size_t i = word_hash(key, bits);; i = (i + 1) & mask)
            if (!table[i].used || table[i].key == key) return table[i];
    }
    const Slot* find(const WordKey& key) const {
        std::size_t bit = filter_bit(key);
        if (!(filter[bit / 64] >> (bit % 64) & 1)) return nullptr;
        std::size_t mask = table.size() - 1;
        for (std::size_t i = word_hash(key, bits);; i = (i + 1) & mask) {
            const Slot& s = table[i];
            if (!s.used) return nullptr;
            if (s.key == key) return &s;
        }
    }

    void scan_words(TriggerScan& scan) const;
    void scan_runs(TriggerScan& scan) const;
    void piece_hits(const TriggerScan& scan, std::size_t begin, std::size_t end,
                    ScanHits& hits) const;
    void place_word(const unsigned char* b, const TriggerWord& word, std::size_t offset,
                    const std::bitset<kMaxGroups>& needed, ScanHits& hits) const;
    void build_windows(std::string_view text, const ScanHits& hits,
                       std::vector<RuleWindow>& out) const;
};

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
                    std::size_t bit = Index::filter_bit(word_key(
                        reinterpret_cast<const unsigned char*>(word.data()), word.size(), 0));
                    x.filter[bit / 64] |= std::uint64_t{1} << (bit % 64);
                    std::size_t shape =
                        Index::shape_bit(static_cast<unsigned char>(word.front()),
                                         static_cast<unsigned char>(word.back()), word.size());
                    x.shapes[shape / 64] |= std::uint64_t{1} << (shape % 64);
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
    for (std::size_t i = 0; i < x.table.size(); ++i)
        for (int g : x.table[i].groups)
            x.rules_of_slot[i] |= x.rules_of_group[static_cast<std::size_t>(g)];
    x.groups_of_rule.resize(x.rules.size());
    for (std::size_t r = 0; r < x.rules.size(); ++r) {
        for (int g : x.rules[r].groups)
            x.groups_of_rule[r].set(static_cast<std::size_t>(g));
        if (x.rules[r].anchor != TriggerAnchor::word &&
            x.rules[r].anchor != TriggerAnchor::html_image)
            x.groups_of_unanchored |= x.groups_of_rule[r];
    }
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
    auto on_word = [&](std::size_t end) {
        const std::size_t length = end - begin;
        TriggerWord word{begin, end, rank, -1, false};
        if (length <= kMaxTriggerWord && shape_may_match(b[begin], b[end - 1], length))
            if (const Slot* slot = find(word_key(b + begin, length, n - begin)))
                word.slot = static_cast<std::int32_t>(slot - table.data());
        const unsigned char first = b[begin] | 0x20;
        if (length >= 3 && (first == 'e' || first == 'c' || first == 's')) {
            auto starts = [&](std::string_view prefix) {
                if (length < prefix.size()) return false;
                for (std::size_t i = 0; i < prefix.size(); ++i)
                    if ((b[begin + i] | 0x20) != prefix[i]) return false;
                return true;
            };
            word.end_marker = starts("end") || starts("close") || starts("stop");
        }
        if (word.slot >= 0 || word.end_marker) scan.words.push_back(word);
        if (end < n && (kFlags[b[end]] & kOther)) ++rank;
    };
    // Word starts and last bytes from the mask, in order: they alternate.
    for (std::size_t block = 0; block < blocks; ++block) {
        const std::uint64_t m = alnum[block];
        const std::uint64_t before = block > 0 ? alnum[block - 1] >> 63 : 0;
        const std::uint64_t after = block + 1 < blocks ? alnum[block + 1] & 1 : 0;
        std::uint64_t starts = m & ~((m << 1) | before);
        std::uint64_t lasts = m & ~((m >> 1) | (after << 63));
        const std::size_t base = block * 64;
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
void InjectionTriggers::Index::place_word(const unsigned char* b, const TriggerWord& word,
                                          std::size_t offset, const std::bitset<kMaxGroups>& needed,
                                          ScanHits& hits) const {
    const std::size_t begin = word.begin - offset;
    const std::size_t end = word.end - offset;
    if (word.slot >= 0) {
        for (int g : table[static_cast<std::size_t>(word.slot)].groups) {
            if (!needed[static_cast<std::size_t>(g)]) continue;
            const GroupInfo& group = groups[static_cast<std::size_t>(g)];
            if (group.where == TriggerWhere::after_byte) {
                if (begin == 0 || !group.after[b[begin - 1]]) continue;
            } else if (group.where == TriggerWhere::line_start) {
                std::size_t at = begin;
                while (at > 0 && is_space_or_tab(b[at - 1]))
                    --at;
                if (at > 0 && b[at - 1] != '\n') continue;
            }
            auto& list = hits.groups[static_cast<std::size_t>(g)];
            if (list.empty()) hits.touched.push_back(g);
            list.push_back({begin, end, word.rank});
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
    std::size_t last = first;
    std::uint64_t candidates = 0;
    for (; last < scan.words.size() && scan.words[last].begin < end; ++last)
        if (scan.words[last].slot >= 0)
            candidates |= rules_of_slot[static_cast<std::size_t>(scan.words[last].slot)];
    scan.next_word = last;
    std::bitset<kMaxGroups> needed = groups_of_unanchored;
    for (; candidates; candidates &= candidates - 1)
        needed |= groups_of_rule[static_cast<std::size_t>(__builtin_ctzll(candidates))];
    for (std::size_t k = first; k < last; ++k)
        place_word(b, scan.words[k], begin, needed, hits);
    auto line_start = [&](std::size_t at) {
        while (at < n && is_space_or_tab(b[at]))
            ++at;
        if (at < n && (b[at] == '#' || b[at] == '*' || b[at] == '_' || b[at] == '>'))
            hits.line_markers.push_back({at, at + 1});
    };
    line_start(0);
    for (std::size_t at = scan.masks.next(ByteMasks::special, begin, true); at < end;
         at = scan.masks.next(ByteMasks::special, at + 1, true)) {
        if (b[at - begin] == '\n')
            line_start(at + 1 - begin);
        else if (at + 1 < end && b[at + 1 - begin] == '(') // b[at] is ']'
            hits.markdown_targets.push_back(at - begin);
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
    for (auto& runs : out.runs)
        runs.clear();
    out.next_word = 0;
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
    index_->build_windows(piece, hits, out);
}

std::vector<RuleWindow> InjectionTriggers::windows(std::string_view text) const {
    thread_local TriggerScan scanned;
    scan(text, scanned);
    std::vector<RuleWindow> out;
    windows(scanned, 0, text.size(), out);
    return out;
}

void InjectionTriggers::Index::build_windows(std::string_view text, const ScanHits& hits,
                                             std::vector<RuleWindow>& out) const {
    const Index& x = *this;
    const auto* b = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    thread_local std::vector<Span> found;
    auto companions_inside = [&](const RuleInfo& rule, std::size_t first, std::size_t begin,
                                 std::size_t end) {
        for (std::size_t k = first; k < rule.groups.size(); ++k) {
            const auto& list = hits.groups[static_cast<std::size_t>(rule.groups[k])];
            auto it = std::lower_bound(list.begin(), list.end(), begin,
                                       [](const Span& s, std::size_t at) { return s.begin < at; });
            if (it == list.end() || it->end > end) return false;
        }
        return true;
    };
    // For word anchors: a word of every other group within `reach` ranks (Span::rank).
    auto companions_near = [&](const RuleInfo& rule, const Span& anchor) {
        const auto reach = static_cast<std::uint32_t>(rule.reach);
        const std::uint32_t low = anchor.rank > reach ? anchor.rank - reach : 0;
        for (std::size_t k = 1; k < rule.groups.size(); ++k) {
            const auto& list = hits.groups[static_cast<std::size_t>(rule.groups[k])];
            auto it = std::lower_bound(list.begin(), list.end(), low,
                                       [](const Span& s, std::uint32_t r) { return s.rank < r; });
            if (it == list.end() || it->rank > anchor.rank + reach) return false;
        }
        return true;
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
            for (std::size_t k = first_companion; k < rule.groups.size(); ++k)
                if (hits.groups[static_cast<std::size_t>(rule.groups[k])].empty()) return;
            for (const Span& a : anchors) {
                if (first_companion > 0 && !companions_near(rule, a)) continue;
                std::size_t begin = walk_runs_left(text, a.begin, rule.reach);
                std::size_t end = walk_runs_right(text, a.end, rule.reach);
                if (companions_inside(rule, first_companion, begin, end))
                    found.push_back({begin, end});
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
            for (std::size_t k : hits.markdown_targets) {
                std::size_t at = k + 2;
                while (at < n && is_space_or_tab(b[at]))
                    ++at;
                if (at < n && b[at] == '<') ++at;
                while (at < n && b[at] != ' ' && b[at] != '\t' && b[at] != '\n' && b[at] != '\r' &&
                       b[at] != '\f' && b[at] != ')' && b[at] != '>')
                    ++at;
                found.push_back({k >= kMarkdownBefore ? k - kMarkdownBefore : 0, at});
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
