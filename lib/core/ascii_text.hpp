#pragma once
// ASCII-only text helpers for protocol and syntax text (HTTP headers and dates, filter
// expressions), where Unicode case and space rules must not apply. Unicode-aware lowering
// is eval/metrics/text_normalize.hpp's to_lower.
#include <string>
#include <string_view>

namespace llmops {

std::string ascii_lower(std::string_view text);
bool ascii_iequals(std::string_view a, std::string_view b);
// Without the spaces and tabs at both ends.
std::string_view trim_blanks(std::string_view text);

} // namespace llmops
