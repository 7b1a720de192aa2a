#pragma once
// Text made fit for a report: model output and error messages may hold invalid UTF-8 and may
// be megabytes long; every report repairs and clips them the same way.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmops::report {

// `text` with every invalid UTF-8 byte replaced by U+FFFD; valid text is returned unchanged.
std::string to_valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// `text` repaired (as to_valid_utf8) and, when longer than `max_bytes`, cut at a character
// boundary and marked: "…[truncated: 123456 bytes in all]".
std::string clip_text(std::string_view text, std::size_t max_bytes);

} // namespace llmops::report
