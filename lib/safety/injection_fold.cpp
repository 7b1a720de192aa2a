// Folding disguised characters for the injection rules (injection_fold.hpp).
#include "safety/injection_fold.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <utf8proc.h>

#include "core/text.hpp"
#include "safety/injection_reach.hpp"
#include "safety/injection_rules.hpp"

namespace llmops::safety {

namespace {

struct CodePoint {
    char32_t value = 0;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
};

// Cyrillic and Greek letters that look like Latin ones (after Unicode's confusables list,
// restricted to the letters that pass for ASCII in common fonts), both cases.
constexpr std::pair<char32_t, char> kLookAlikes[] = {
    {0x0410, 'a'}, {0x0430, 'a'}, {0x0412, 'b'}, {0x0415, 'e'}, {0x0435, 'e'}, {0x0401, 'e'},
    {0x0451, 'e'}, {0x041A, 'k'}, {0x043A, 'k'}, {0x041C, 'm'}, {0x041D, 'h'}, {0x04BB, 'h'},
    {0x041E, 'o'}, {0x043E, 'o'}, {0x0420, 'p'}, {0x0440, 'p'}, {0x0421, 'c'}, {0x0441, 'c'},
    {0x0422, 't'}, {0x0423, 'y'}, {0x0443, 'y'}, {0x0425, 'x'}, {0x0445, 'x'}, {0x0405, 's'},
    {0x0455, 's'}, {0x0406, 'i'}, {0x0456, 'i'}, {0x0407, 'i'}, {0x0457, 'i'}, {0x0408, 'j'},
    {0x0458, 'j'}, {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'}, {0x0261, 'g'}, {0x0131, 'i'},
    {0x0391, 'a'}, {0x03B1, 'a'}, {0x0392, 'b'}, {0x0395, 'e'}, {0x03B5, 'e'}, {0x0396, 'z'},
    {0x0397, 'h'}, {0x0399, 'i'}, {0x03B9, 'i'}, {0x039A, 'k'}, {0x03BA, 'k'}, {0x039C, 'm'},
    {0x039D, 'n'}, {0x03BD, 'v'}, {0x039F, 'o'}, {0x03BF, 'o'}, {0x03A1, 'p'}, {0x03C1, 'p'},
    {0x03A4, 't'}, {0x03C4, 't'}, {0x03A5, 'y'}, {0x03C5, 'u'}, {0x03A7, 'x'}, {0x03C7, 'x'},
    {0x03F2, 'c'}, {0x03F9, 'c'}, {0x0251, 'a'}, {0x0269, 'i'}, {0x028F, 'y'}, {0x1D0F, 'o'},
    {0x2113, 'l'},
};

char look_alike(char32_t cp) {
    for (const auto& [from, to] : kLookAlikes)
        if (from == cp) return to;
    return 0;
}

bool is_zero_width(char32_t cp) {
    return cp == 0x200B || cp == 0x200C || cp == 0x200D || (cp >= 0x2060 && cp <= 0x2064) ||
           cp == 0xFEFF || cp == 0x180E || cp == 0x00AD || cp == 0x034F || cp == 0x115F ||
           cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
}
bool is_bidi_control(char32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}
bool is_variation_selector(char32_t cp) {
    return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}
bool is_tag(char32_t cp) {
    return cp >= 0xE0000 && cp <= 0xE007F;
}
bool is_ascii_letter(char32_t cp) {
    return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
}
bool is_cyrillic_or_greek(char32_t cp) {
    return (cp >= 0x0370 && cp <= 0x052F) || (cp >= 0x1F00 && cp <= 0x1FFF);
}
bool is_right_to_left(char32_t cp) {
    return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF);
}

Finding disguise(std::string_view rule_id, double score, std::uint32_t begin, std::uint32_t end,
                 std::string reason) {
    Finding f;
    f.kind = FindingKind::injection;
    f.type = std::string(kFamilyObfuscation);
    f.rule_id = std::string(rule_id);
    f.span.byte_begin = begin;
    f.span.byte_end = end;
    f.score = score;
    f.reason = std::move(reason);
    return f;
}

// Folds one piece of a text into `out`, which holds the pieces before it; offsets count from
// the text's start (the piece starts at `base`).
class Folder {
  public:
    Folder(std::string_view piece, std::size_t base, bool right_to_left, FoldedText& out)
        : out_(out), has_right_to_left_(right_to_left) {
        for (std::size_t at = 0; at < piece.size();) {
            char32_t cp = 0;
            std::size_t n = decode_utf8_at(piece, at, cp);
            if (n == 0) { // callers validate first; keep going rather than loop
                cp = 0xFFFD;
                n = 1;
            }
            points_.push_back({cp, static_cast<std::uint32_t>(base + at),
                               static_cast<std::uint32_t>(base + at + n)});
            at += n;
        }
    }

    void run() {
        for (std::size_t i = 0; i < points_.size(); ++i)
            fold_one(i);
        close_word();
        flush_runs(points_.size());
    }

  private:
    void emit(char c, std::uint32_t origin) {
        out_.text.push_back(c);
        out_.origin.push_back(origin);
    }
    void emit(char32_t cp, std::uint32_t origin) {
        char buffer[4];
        char* end = write_utf8(cp, buffer);
        for (char* p = buffer; p != end; ++p)
            emit(*p, origin);
    }

    bool letter_at(std::size_t i) const {
        return i < points_.size() && is_ascii_letter(points_[i].value);
    }
    // The nearest visible code point before / after i (skipping invisible ones).
    std::size_t visible_before(std::size_t i) const {
        while (i > 0) {
            --i;
            char32_t cp = points_[i].value;
            if (!is_zero_width(cp) && !is_bidi_control(cp) && !is_variation_selector(cp)) return i;
        }
        return points_.size();
    }
    std::size_t visible_after(std::size_t i) const {
        for (++i; i < points_.size(); ++i) {
            char32_t cp = points_[i].value;
            if (!is_zero_width(cp) && !is_bidi_control(cp) && !is_variation_selector(cp)) return i;
        }
        return points_.size();
    }

    void fold_one(std::size_t i) {
        const CodePoint& p = points_[i];
        char32_t cp = p.value;
        if (!is_tag(cp)) flush_tags(i);
        if (!is_variation_selector(cp)) flush_selectors();
        if (cp < 0x80) {
            word_letter(cp, i, false, false);
            emit(static_cast<char>(cp), p.begin);
            return;
        }
        if (is_tag(cp)) {
            if (tag_begin_ < 0) tag_begin_ = static_cast<long>(i);
            if (cp >= 0xE0020 && cp <= 0xE007E) {
                char ascii = static_cast<char>(cp - 0xE0000);
                tag_text_.push_back(ascii);
                emit(ascii, p.begin);
            }
            return;
        }
        if (is_zero_width(cp)) {
            // Inside a Latin word it splits the word for filters; elsewhere (emoji joiners,
            // Persian and Indic non-joiners) it is ordinary.
            if (letter_at(visible_before(i)) && letter_at(visible_after(i)))
                out_.disguises.push_back(disguise(
                    "injection.obfuscation.zero_width", 0.7, p.begin, p.end,
                    fmt::format("zero-width character U+{:04X} inside a word", unsigned(cp))));
            return;
        }
        if (is_bidi_control(cp)) {
            out_.disguises.push_back(
                disguise("injection.obfuscation.bidi_control", has_right_to_left_ ? 0.3 : 0.6,
                         p.begin, p.end,
                         fmt::format("bidirectional control U+{:04X} can reorder what is shown",
                                     unsigned(cp))));
            return;
        }
        if (is_variation_selector(cp)) {
            if (selector_begin_ < 0) selector_begin_ = static_cast<long>(i);
            ++selector_count_;
            return;
        }
        if (char ascii = look_alike(cp)) {
            word_letter(cp, i, false, true);
            emit(ascii, p.begin);
            return;
        }
        utf8proc_int32_t mapped[8];
        int last_boundclass = 0;
        const auto options = static_cast<utf8proc_option_t>(
            UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
        utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), mapped, 8,
                                                     options, &last_boundclass);
        if (n < 0 || n > 8) {
            word_letter(cp, i, true, false);
            emit(cp, p.begin);
            return;
        }
        for (utf8proc_ssize_t k = 0; k < n; ++k) {
            char32_t folded = static_cast<char32_t>(mapped[k]);
            if (char ascii = look_alike(folded)) folded = static_cast<char32_t>(ascii);
            word_letter(folded, i, folded >= 0x80 && is_unicode_letter_or_number(folded),
                        is_cyrillic_or_greek(folded));
            emit(folded, p.begin);
        }
    }

    // Tracks the scripts of the current word for mixed-script (homoglyph) words.
    void word_letter(char32_t cp, std::size_t i, bool other_letter, bool look_alike_letter) {
        bool latin = is_ascii_letter(cp);
        if (!latin && !other_letter && !look_alike_letter) {
            close_word();
            return;
        }
        if (word_begin_ < 0) word_begin_ = static_cast<long>(i);
        word_end_ = i;
        char script = look_alike_letter ? 'F' : (latin ? 'L' : 'O');
        if (script == 'O') return;
        if (last_script_ && script != last_script_) ++switches_;
        last_script_ = script;
        (script == 'L' ? latin_count_ : foreign_count_)++;
    }
    void close_word() {
        if (word_begin_ >= 0 && latin_count_ > 0 && foreign_count_ > 0 &&
            (switches_ >= 2 || (latin_count_ >= 2 && foreign_count_ >= 2))) {
            const auto& first = points_[static_cast<std::size_t>(word_begin_)];
            const auto& last = points_[word_end_];
            out_.disguises.push_back(
                disguise("injection.obfuscation.homoglyph", 0.6, first.begin, last.end,
                         "a word mixes Latin letters with look-alike Cyrillic or Greek ones"));
        }
        word_begin_ = -1;
        latin_count_ = foreign_count_ = switches_ = 0;
        last_script_ = 0;
    }

    void flush_tags(std::size_t i) {
        if (tag_begin_ < 0) return;
        auto begin = static_cast<std::size_t>(tag_begin_);
        // An emoji subdivision flag (black flag, tag letters, cancel tag) is legitimate.
        bool flag =
            begin > 0 && points_[begin - 1].value == 0x1F3F4 && points_[i - 1].value == 0xE007F;
        if (!flag)
            out_.disguises.push_back(disguise(
                "injection.obfuscation.unicode_tags", 0.9, points_[begin].begin, points_[i - 1].end,
                fmt::format("{} invisible Unicode tag characters hiding the text \"{}\"", i - begin,
                            one_line(tag_text_, 80))));
        tag_begin_ = -1;
        tag_text_.clear();
    }
    void flush_selectors() {
        if (selector_begin_ < 0) return;
        // One selector picks an emoji or text style; a run of them can encode hidden bytes.
        if (selector_count_ >= 3) {
            auto begin = static_cast<std::size_t>(selector_begin_);
            out_.disguises.push_back(
                disguise("injection.obfuscation.variation_selectors", 0.8, points_[begin].begin,
                         points_[begin + selector_count_ - 1].end,
                         fmt::format("a run of {} invisible variation selectors (hidden data)",
                                     selector_count_)));
        }
        selector_begin_ = -1;
        selector_count_ = 0;
    }
    void flush_runs(std::size_t end) {
        flush_tags(end);
        flush_selectors();
    }

    std::vector<CodePoint> points_;
    FoldedText& out_;
    bool has_right_to_left_ = false;
    long tag_begin_ = -1;
    std::string tag_text_;
    long selector_begin_ = -1;
    std::size_t selector_count_ = 0;
    long word_begin_ = -1;
    std::size_t word_end_ = 0;
    int latin_count_ = 0;
    int foreign_count_ = 0;
    int switches_ = 0;
    char last_script_ = 0;
};

// A Latin letter with accents (two bytes led by 0xC3-0xC5) at text[i].
bool accented_at(std::string_view text, std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    return c >= 0xC3 && c <= 0xC5 && i + 1 < text.size() &&
           (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
}

// The word around the accented letter at text[at] (ASCII letters and accented ones), spelled in
// lower-case ASCII without its accents, when every letter has such a spelling: "yöur" is "your".
std::optional<std::string> unaccented_word(std::string_view text, std::size_t at) {
    auto letter_at = [&](std::size_t i) {
        return is_ascii_letter(static_cast<unsigned char>(text[i])) || accented_at(text, i);
    };
    std::size_t begin = at;
    while (begin > 0) {
        if (is_ascii_letter(static_cast<unsigned char>(text[begin - 1])))
            --begin;
        else if (begin >= 2 && accented_at(text, begin - 2))
            begin -= 2;
        else
            break;
    }
    std::string word;
    for (std::size_t i = begin; i < text.size() && letter_at(i);) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            word += static_cast<char>(c | 0x20);
            ++i;
        } else {
            char32_t cp = 0;
            const std::size_t n = decode_utf8_at(text, i, cp);
            if (n == 0) return std::nullopt;
            utf8proc_int32_t mapped[4];
            int boundclass = 0;
            const auto options = static_cast<utf8proc_option_t>(
                UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
            const utf8proc_ssize_t m = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp),
                                                               mapped, 4, options, &boundclass);
            if (m < 1 || m > 4) return std::nullopt;
            for (utf8proc_ssize_t k = 0; k < m; ++k) {
                if (!is_ascii_letter(static_cast<char32_t>(mapped[k]))) return std::nullopt;
                word += static_cast<char>(mapped[k] | 0x20);
            }
            i += n;
        }
        if (word.size() > 16) return std::nullopt; // longer than any rule's word
    }
    return word;
}

} // namespace

std::size_t next_fold_spot(std::string_view text, std::size_t from,
                           const RuleWordTest& is_rule_word) {
    const auto* b = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    auto at = [&](std::size_t i) -> unsigned { return i < n ? b[i] : 0u; };
    std::size_t i = from;
    int accents_in_word = 0;
    while (i < n) {
        // Eight ASCII bytes at a time: the common case.
        if (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, b + i, 8);
            if (!(word & 0x8080808080808080ULL)) {
                accents_in_word = 0;
                i += 8;
                continue;
            }
        }
        unsigned c = b[i];
        if (c < 0x80) {
            if (!is_ascii_letter(c)) accents_in_word = 0;
            ++i;
            continue;
        }
        unsigned c1 = at(i + 1), c2 = at(i + 2);
        switch (c) {
        case 0xC2: // no-break space, soft hyphen
            if (c1 == 0xA0 || c1 == 0xAD) return i;
            break;
        case 0xC3:
        case 0xC4:
        case 0xC5: // accented Latin: one per word is ordinary French, unless the word is a
                   // rule's word with an accent put in ("yöur instructiöns")
            if (++accents_in_word >= 2) return i;
            if (is_rule_word) {
                const auto word = unaccented_word(text, i);
                if (word && is_rule_word(*word)) return i;
            }
            break;
        case 0xC9:
        case 0xCC:
        case 0xCD:
        case 0xCE:
        case 0xCF: // IPA, combining marks, Greek
        case 0xD0:
        case 0xD1:
        case 0xD2:
        case 0xD3:
        case 0xD4: // Cyrillic
            return i;
        case 0xE1: // small capitals, Greek extended, Hangul and Mongolian fillers
            if (c1 >= 0xB4 || c1 == 0x85 || c1 == 0xA0) return i;
            break;
        case 0xE2: // zero width, bidi controls, word joiners, letterlike and enclosed letters
            if (c1 == 0x80 && ((c2 >= 0x8B && c2 <= 0x8F) || (c2 >= 0xAA && c2 <= 0xAE))) return i;
            if (c1 == 0x81 && c2 >= 0xA0 && c2 <= 0xAF) return i;
            if (c1 == 0x84 || (c1 >= 0x91 && c1 <= 0x93)) return i;
            break;
        case 0xE3: // Hangul filler
            if (c1 == 0x85 && c2 == 0xA4) return i;
            break;
        case 0xEF: // variation selectors, BOM, full-width forms, half-width filler
            if (c1 == 0xB8 || (c1 == 0xBB && c2 == 0xBF) || c1 == 0xBC || c1 == 0xBD ||
                (c1 == 0xBE && c2 == 0xA0))
                return i;
            break;
        case 0xF0: // mathematical letters, enclosed letters
            if ((c1 == 0x9D && c2 >= 0x90 && c2 <= 0x9F) ||
                (c1 == 0x9F && c2 >= 0x84 && c2 <= 0x87))
                return i;
            break;
        case 0xF3: // tag characters, variation selectors supplement
            if (c1 == 0xA0) return i;
            break;
        default:
            break;
        }
        if (c < 0xC3 || c > 0xC5) accents_in_word = 0;
        ++i;
        while (i < n && (b[i] & 0xC0) == 0x80)
            ++i;
    }
    return n;
}

bool has_right_to_left(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        if (at + 8 <= text.size()) { // eight ASCII bytes at a time: the common case
            std::uint64_t eight;
            std::memcpy(&eight, text.data() + at, 8);
            if (!(eight & 0x8080808080808080ULL)) {
                at += 8;
                continue;
            }
        }
        if (static_cast<unsigned char>(text[at]) < 0x80) {
            ++at;
            continue;
        }
        char32_t cp = 0;
        const std::size_t n = decode_utf8_at(text, at, cp);
        if (n > 0 && is_right_to_left(cp)) return true;
        at += std::max<std::size_t>(n, 1);
    }
    return false;
}

std::vector<std::pair<std::size_t, std::size_t>> fold_windows(std::string_view text, int reach,
                                                              const RuleWordTest& is_rule_word) {
    const std::size_t n = text.size();
    auto line_start = [&](std::size_t at) {
        if (at == 0 || text[at - 1] == '\n') return at;
        const std::size_t nl = text.rfind('\n', at - 1);
        return nl == std::string_view::npos ? 0 : nl + 1;
    };
    auto line_end = [&](std::size_t at) {
        if (at == n || text[at - 1] == '\n') return at; // at > 0: past a character
        const std::size_t nl = text.find('\n', at);
        return nl == std::string_view::npos ? n : nl + 1;
    };
    std::vector<std::pair<std::size_t, std::size_t>> windows;
    for (std::size_t spot = next_fold_spot(text, 0, is_rule_word); spot < n;) {
        std::size_t spot_end = spot + 1; // past the character (its continuation bytes)
        while (spot_end < n && (static_cast<unsigned char>(text[spot_end]) & 0xC0) == 0x80)
            ++spot_end;
        const std::size_t begin = line_start(walk_runs_left(text, spot, reach));
        const std::size_t end = line_end(walk_runs_right(text, spot_end, reach));
        if (!windows.empty() && begin <= windows.back().second)
            windows.back().second = std::max(windows.back().second, end);
        else
            windows.emplace_back(begin, end);
        // The characters up to `end` are folded with this window; a line start resets the
        // per-word count of accents.
        spot = next_fold_spot(text, windows.back().second, is_rule_word);
    }
    return windows;
}

FoldedText fold_disguises(std::string_view text, std::optional<bool> right_to_left) {
    // Folded a stretch of lines at a time. A line break ends everything the folder follows (a
    // word, a run of tags or selectors; an invisible character looks past invisible ones only),
    // so the pieces fold as the whole would, and the 12-byte record kept per character is
    // that of one piece, not of a text of megabytes.
    constexpr std::size_t kPieceBytes = 64 << 10;
    const bool any_right_to_left = right_to_left ? *right_to_left : has_right_to_left(text);
    FoldedText out;
    out.text.reserve(text.size());
    out.origin.reserve(text.size() + 1);
    for (std::size_t begin = 0; begin < text.size();) {
        std::size_t end = text.size();
        if (text.size() - begin > kPieceBytes)
            if (const std::size_t nl = text.find('\n', begin + kPieceBytes);
                nl != std::string_view::npos)
                end = nl + 1;
        Folder(text.substr(begin, end - begin), begin, any_right_to_left, out).run();
        begin = end;
    }
    out.origin.push_back(static_cast<std::uint32_t>(text.size()));
    out.changed = out.text != text;
    return out;
}

} // namespace llmops::safety
