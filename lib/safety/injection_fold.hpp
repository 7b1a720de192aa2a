#pragma once
// Undoing character-level disguises before the rules run again: invisible characters (zero
// width, bidi controls, variation selectors) are dropped, Unicode tag characters become the
// ASCII they hide, look-alike Cyrillic and Greek letters become Latin ones, and NFKC with case
// folding and accent stripping turns full-width, mathematical and accented letters into plain
// ones. Every folded byte remembers where it came from, so matches map back to the original.
// The disguises themselves are reported as obfuscation findings.
#include <cstdint>
#include <string>
#include <string_view>
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

// True when `text` holds a character folding would undo: invisible and bidi controls, tag
// characters, variation selectors, Greek and Cyrillic letters, full-width, mathematical and
// enclosed letters, combining marks, or a word with two accented letters. Plain ASCII and
// ordinary punctuation (curly quotes, dashes) skip the folded pass.
bool may_need_folding(std::string_view text);

// `text` must be valid UTF-8.
FoldedText fold_disguises(std::string_view text);

} // namespace llmops::safety
