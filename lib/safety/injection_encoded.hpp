#pragma once
// Decoding the base64 and hex runs the rule set nominates, so the rules can read what they
// hide. Only payloads that decode to readable text are returned: hashes, keys and identifiers
// that happen to use the same alphabets decode to binary and are dropped.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::safety {

// The most bytes of one payload that are decoded; the rest is not read.
inline constexpr std::size_t kMaxDecodedPayload = 64 * 1024;

// Standard or URL-safe base64, padded or not. nullopt unless the result is readable text.
std::optional<std::string> decode_base64_text(std::string_view run);
// Pairs of hex digits, optionally separated by spaces or colons or prefixed \x or 0x.
std::optional<std::string> decode_hex_text(std::string_view run);

// Valid UTF-8, at least 8 bytes, no control characters but tab and newlines, and mostly
// letters and spaces: what an instruction looks like after decoding.
bool is_readable_text(std::string_view decoded);

} // namespace llmops::safety
