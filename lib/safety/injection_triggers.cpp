// The trigger pass of the injection rules (injection_triggers.hpp). A hand-written word table
// rather than a packaged multi-pattern matcher: RE2's FilteredRE2 gives no positions and its
// atoms are the rules' common words (docs/performance.md), and the windows need word tokens,
// line starts and byte runs that one scan of the text yields together. This file: the scan, and
// the windows of each piece of a scanned text; injection_trigger_index.cpp builds the table.
#include "safety/injection_triggers.hpp"

#include <algorithm>
#include <cstring>

#include "core/file_io.hpp"
#include "safety/injection_trigger_index.hpp"

namespace llmops::safety {

namespace triggers_internal {

// Every word of the text that is a trigger word, or may be an end marker, with its rank: the
// number of runs of other bytes that start right after a word before it.
void Index::scan_words(TriggerScan& scan) const {
    const auto* b = reinterpret_cast<const unsigned char*>(scan.text.data());
    const std::size_t n = scan.text.size();
    const auto& alnum = scan.masks.bits[ByteMasks::alnum];
    const std::size_t blocks = scan.masks.blocks;
    std::uint32_t rank = 0;
    std::size_t begin = 0;
    bool open = false; // a word started and has not ended yet
    // The words ending in one block (at most 32) are written past the end of the lists whether
    // they are kept or not, and only the kept ones counted: no branch on a lookup's outcome.
    auto& words = scan.words;
    auto& anchor_list = scan.anchors;
    TriggerWord* block_words = nullptr;
    std::size_t kept = 0;
    std::size_t* block_anchors = nullptr; // the kept words that anchor a rule or end markers
    std::size_t anchors = 0;
    std::size_t words_before = 0; // words kept in the blocks before this one
    // The lists' reserved pages are mapped a megabyte ahead of their use, in one call each
    // rather than a page fault per page.
    constexpr std::size_t kPrefault = 1 << 20;
    std::size_t words_mapped = words.size() * sizeof(TriggerWord);
    std::size_t anchors_mapped = anchor_list.size() * sizeof(std::size_t);
    auto map_ahead = [](auto& list, std::size_t& mapped) {
        const std::size_t reserved = list.capacity() * sizeof(list[0]);
        if (list.size() * sizeof(list[0]) + kPrefault / 2 < mapped || mapped >= reserved) return;
        const std::size_t next = std::min(reserved, mapped + kPrefault);
        prefault_for_writing(reinterpret_cast<char*>(list.data()) + mapped, next - mapped);
        mapped = next;
    };
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
        map_ahead(words, words_mapped);
        map_ahead(anchor_list, anchors_mapped);
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

void Index::scan_runs(TriggerScan& scan) const {
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
            if (y == 0 && base - start + leading < kMinProbeRun) {
                start = base + 64 - static_cast<std::size_t>(__builtin_clzll(~m));
                continue;
            }
            const std::size_t stop = std::min(n, base + 64);
            for (std::size_t i = base; i < stop; ++i) {
                if (kFlags[b[i]] & flag[k]) continue;
                if (i - start >= kMinProbeRun) out.emplace_back(start, i);
                start = i + 1;
            }
        }
        if (n - std::min(start, n) >= kMinProbeRun) out.emplace_back(start, n);
    }
}

// The groups a trigger word counts for in a piece starting at `offset` (`b` is the piece):
// where a group wants a byte before the word or a line start, only the piece's bytes count.
void Index::place_word(const unsigned char* b, std::size_t index, const TriggerWord& word,
                       std::size_t offset, const std::bitset<kMaxGroups>& needed,
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
void Index::piece_hits(const TriggerScan& scan, std::size_t begin, std::size_t end,
                       ScanHits& hits) const {
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
            if (to - from >= kMinProbeRun) out[k]->push_back({from - begin, to - begin});
        }
        if (run > 0 && runs[run - 1].second > end) --run; // it goes on in the next piece
        scan.next_run[k] = run;
    }
}

void Index::build_windows(std::string_view text, const TriggerScan& scan, const ScanHits& hits,
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

} // namespace triggers_internal

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
    // Room for a kept word per 8 bytes (plain English keeps fewer): growing by doubling would
    // copy the list and touch each new buffer's pages. Reserved pages not written cost nothing.
    out.words.reserve(text.size() / 8 + 64);
    out.anchors.reserve(text.size() / 8 + 64);
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
    auto alnum = [&](std::size_t at) {
        return (triggers_internal::kFlags[b[at]] & triggers_internal::kAlnum) != 0;
    };
    if ((begin > 0 && begin < n && alnum(begin - 1) && alnum(begin)) ||
        (end > begin && end < n && alnum(end - 1) && alnum(end))) {
        thread_local TriggerScan own;
        this->scan(piece, own);
        windows(own, 0, piece.size(), out);
        return;
    }
    thread_local triggers_internal::ScanHits
        hits; // reused between calls: a piece must not pay for allocations
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

} // namespace llmops::safety
