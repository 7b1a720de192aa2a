#include "data/canonical_row.hpp"

#include "data/schema_summary.hpp"
#include "json/canonical_json.hpp"

namespace llmops::data {

std::string canonical_key(std::string_view name) {
    std::string quoted;
    append_json_string(name, quoted);
    return quoted.substr(1, quoted.size() - 2);
}

std::optional<std::string_view> find_field(std::string_view row, std::string_view key) {
    std::optional<std::string_view> found;
    // Rows have tens of fields at most: a linear scan beats anything cleverer.
    for_each_member(row, [&](std::string_view k, std::string_view value) {
        if (!found && k == key) found = value;
    });
    return found;
}

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
}

void append_utf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

} // namespace

std::string decode_canonical_key(std::string_view text) {
    // Canonical text escapes only '"', '\\' and control characters (\b \f \n \r \t \u00XX).
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '\\' || i + 1 >= text.size()) {
            out.push_back(c);
            continue;
        }
        char e = text[++i];
        switch (e) {
        case 'b':
            out.push_back('\b');
            break;
        case 'f':
            out.push_back('\f');
            break;
        case 'n':
            out.push_back('\n');
            break;
        case 'r':
            out.push_back('\r');
            break;
        case 't':
            out.push_back('\t');
            break;
        case 'u': {
            char32_t cp = 0;
            for (int k = 0; k < 4 && i + 1 < text.size(); ++k)
                cp = cp * 16 + static_cast<char32_t>(hex_digit(text[++i]));
            append_utf8(cp, out);
            break;
        }
        default:
            out.push_back(e);
            break; // '"', '\\', '/'
        }
    }
    return out;
}

std::string decode_canonical_string(std::string_view quoted) {
    if (quoted.size() < 2) return std::string(quoted);
    return decode_canonical_key(quoted.substr(1, quoted.size() - 2));
}

std::string value_text(std::string_view value) {
    if (!value.empty() && value.front() == '"') return decode_canonical_string(value);
    return std::string(value);
}

} // namespace llmops::data
