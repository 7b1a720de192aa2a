#pragma once
// Undoing character-level disguises before the rules run again: invisible characters (zero
// width, bidi controls, variation selectors) are dropped, Unicode tag characters become the
// ASCII they hide, look-alike Cyrillic and Greek letters become Latin ones, and NFKC with case
// folding and accent stripping turns full-width, mathematical and accented letters into plain
// ones. Every folded byte remembers where it came from, so matches map back to the original.
// The disguises themselves are reported as obfuscation findings.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safety/finding.hpp"

namespace llmops::safety {

struct FoldedText {
    std::string text;
    // origin[i]: the byte offset in the source of the character that produced text[i];
    // origin[text.size()] is the source's size.
    std::vector<std::uint32_t> origin;
    std::vector<Finding> disguises; // spans in source bytes (code points filled in later)
    bool changed = false;           // text differs from the source
};

// Whether a lower-case ASCII word is one of the injection rules' words.
using RuleWordTest = std::function<bool(std::string_view)>;

// The offset of the first character at or after `from` that folding would undo (invisible and
// bidi controls, tag characters, variation selectors, Greek and Cyrillic letters, full-width,
// mathematical and enclosed letters, combining marks, the second accented letter of a word, or
// an accented letter of a word that is a rule's word without its accents: `yöur`), or
// text.size(). Plain ASCII and ordinary punctuation (curly quotes, dashes) have none.
std::size_t next_fold_spot(std::string_view text, std::size_t from = 0,
                           const RuleWordTest& is_rule_word = {});

// Whether `text` holds a right-to-left letter (a bidi control is then more likely legitimate).
bool has_right_to_left(std::string_view text);

// The stretches of `text` the folded pass reads: each character next_fold_spot finds, with
// `reach` runs (injection_reach) to either side, widened to whole lines; overlapping or touching
// ones merged, in order. A rule's match holding a folded character lies inside its stretch, so
// text without disguises is not folded again (a text with one disguised letter used to be
// folded and scanned again whole).
std::vector<std::pair<std::size_t, std::size_t>>
fold_windows(std::string_view text, int reach, const RuleWordTest& is_rule_word = {});

// `text` must be valid UTF-8. `right_to_left`: whether the text, or the text it was cut from,
// holds a right-to-left letter (has_right_to_left); found out here when not given.
FoldedText fold_disguises(std::string_view text, std::optional<bool> right_to_left = std::nullopt);

} // namespace llmops::safety
