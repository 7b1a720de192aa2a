#include "report/report_text.hpp"

#include "core/utf8.hpp"
#include "eval/metrics/text_normalize.hpp"

#include <fmt/format.h>

namespace llmops::report {

std::string to_valid_utf8(std::string_view text) {
    // The SIMD check keeps the common (valid) case at memcpy speed; only broken text pays for
    // the decode and re-encode.
    if (is_valid_utf8(text)) return std::string(text);
    return eval::encode_utf8(eval::decode_utf8(text));
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end);
}

std::string clip_text(std::string_view text, std::size_t max_bytes) {
    std::string valid = to_valid_utf8(text);
    if (valid.size() <= max_bytes) return valid;
    std::string clipped(utf8_prefix(valid, max_bytes));
    clipped += fmt::format("…[truncated: {} bytes in all]", text.size());
    return clipped;
}

} // namespace llmops::report
