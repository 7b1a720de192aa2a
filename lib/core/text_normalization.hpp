#pragma once
// Text normalisation for de-duplication: rows that differ only in case, spacing or Unicode
// compatibility forms (full-width letters, ligatures, NBSP) count as the same row.
#include <string>
#include <string_view>

namespace llmops {

// NFKC, Unicode case folding (utf8proc), runs of whitespace collapsed to one space, trimmed.
// `text` must be valid UTF-8 (dataset rows always are).
std::string normalize_text(std::string_view text);

} // namespace llmops
