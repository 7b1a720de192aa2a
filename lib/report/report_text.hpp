#pragma once
// Text made fit for a report: model output and error messages may hold invalid UTF-8 and may
// be megabytes long; every report repairs and clips them the same way.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmops::report {

// `text` repaired (core/text.hpp's to_valid_utf8) and, when longer than `max_bytes`, cut at a
// character boundary and marked: "…[truncated: 123456 bytes in all]".
std::string clip_text(std::string_view text, std::size_t max_bytes);

} // namespace llmops::report
