// Text made safe for one line of a terminal (core/text.hpp).
#include "core/text.hpp"

#include <fmt/format.h>

namespace llmops {

namespace {

bool is_unsafe_code_point(char32_t c) {
    return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

} // namespace

std::string escape_control_characters(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c == '\n')
                out += "\\n";
            else if (c == '\r')
                out += "\\r";
            else if (c == '\t')
                out += "\\t";
            else if (c < 0x20 || c == 0x7F)
                out += fmt::format("\\x{:02x}", c);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        char32_t code_point = 0;
        const std::size_t length = decode_utf8_at(text, i, code_point);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", c);
            ++i;
        } else if (is_unsafe_code_point(code_point)) {
            out += fmt::format("\\u{{{:04x}}}", static_cast<std::uint32_t>(code_point));
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

} // namespace llmops
