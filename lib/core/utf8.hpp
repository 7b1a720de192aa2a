#pragma once
// UTF-8 validation with a position, for error messages.
#include <cstddef>
#include <optional>
#include <string_view>

namespace llmops {

// True when `bytes` is valid UTF-8 (SIMD-accelerated).
bool is_valid_utf8(std::string_view bytes);

// Byte offset of the first byte of the first invalid UTF-8 sequence, or nullopt when valid.
// Overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF are invalid.
std::optional<std::size_t> find_invalid_utf8(std::string_view bytes);

// 1-based line and column (in bytes) of `offset` within `text`, lines split at '\n'.
struct TextPosition {
    long line = 1;
    long column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

} // namespace llmops
