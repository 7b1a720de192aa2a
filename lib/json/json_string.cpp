#include "json/json_string.hpp"

#include "core/text.hpp"

#include <algorithm>

namespace llmops {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char short_escape_value(char e) {
    switch (e) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return e; // \" \\ \/
    }
}

} // namespace

long json_hex4(const char* p) {
    long v = 0;
    for (int i = 0; i < 4; ++i) {
        const int d = hex_value(p[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

std::string_view decode_json_string(std::string_view text, std::string& scratch,
                                    std::size_t* consumed) {
    const std::size_t open = !text.empty() && text.front() == '"' ? 1 : 0;
    std::string_view body = text.substr(open);
    const std::size_t special = body.find_first_of("\"\\");
    if (special == std::string_view::npos || body[special] == '"') {
        const std::size_t length = special == std::string_view::npos ? body.size() : special;
        if (consumed) *consumed = open + length + (special == std::string_view::npos ? 0 : 1);
        return body.substr(0, length);
    }
    scratch.assign(body.substr(0, special));
    std::size_t i = special;
    const auto hex_at = [&](std::size_t at) {
        return at + 4 <= body.size() ? json_hex4(body.data() + at) : -1L;
    };
    for (; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '"') {
            ++i; // the closing quote: inside, quotes are escaped
            break;
        }
        if (c != '\\') {
            scratch.push_back(c);
            continue;
        }
        if (i + 1 >= body.size()) {
            i = body.size(); // cut short
            break;
        }
        const char e = body[++i];
        if (e != 'u') {
            scratch.push_back(short_escape_value(e));
            continue;
        }
        long cp = hex_at(i + 1);
        if (cp < 0) {
            i = body.size(); // cut short
            break;
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < body.size() && body[i + 1] == '\\' &&
            body[i + 2] == 'u') {
            const long low = hex_at(i + 3);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            }
        }
        append_utf8(static_cast<char32_t>(cp), scratch); // a lone surrogate becomes U+FFFD
    }
    if (consumed) *consumed = open + std::min(i, body.size());
    return scratch;
}

std::string decode_json_string(std::string_view text) {
    std::string scratch;
    return std::string(decode_json_string(text, scratch));
}

} // namespace llmops
