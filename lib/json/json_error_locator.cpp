#include "json/json_error_locator.hpp"

#include "json/canonical_json.hpp"

#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

namespace llmops {

namespace {

// Accepts every event; records the first error.
struct ErrorCollector {
    using json = nlohmann::json;
    std::optional<JsonProblem> problem;

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool start_object(std::size_t) { return true; }
    bool key(std::string&) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& error) {
        // position is 1-based: the last character read, the one that broke the grammar.
        problem = JsonProblem{clean_message(error.what()), position > 0 ? position - 1 : 0};
        return false;
    }

    // "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error while
    // parsing object separator - unexpected number literal; last read: '...'; expected ':'"
    // -> "syntax error while parsing object separator - unexpected number literal; expected
    // ':'". The position goes in the location; "last read" may echo a huge token.
    static std::string clean_message(std::string_view text) {
        if (auto colon = text.find(": ");
            colon != std::string_view::npos && text.substr(0, colon).find("column") != text.npos)
            text.remove_prefix(colon + 2);
        else if (text.starts_with("[json.exception.") && text.find("] ") != text.npos)
            text.remove_prefix(text.find("] ") + 2);
        std::string out(text);
        if (auto start = out.find("; last read: '"); start != std::string::npos) {
            auto stop = out.rfind("'; expected ");
            if (stop != std::string::npos && stop >= start + 13)
                out.erase(start, stop + 1 - start);
            else
                out.erase(start);
        }
        std::string shown;
        for (char c : out) {
            if (static_cast<unsigned char>(c) < 0x20) continue;
            shown += c;
        }
        return shown;
    }
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void append_utf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool read_hex4(std::string_view text, std::size_t at, std::uint32_t& value) {
    if (at + 4 > text.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + 4; ++i) {
        const char c = text[i];
        value <<= 4;
        if (c >= '0' && c <= '9')
            value |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            value |= static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            value |= static_cast<std::uint32_t>(c - 'A' + 10);
        else
            return false;
    }
    return true;
}

// Reads the string whose opening quote is at text[i]; returns the index after the closing
// quote and the unescaped content.
std::size_t read_string(std::string_view text, std::size_t i, std::string& content) {
    content.clear();
    ++i;
    while (i < text.size() && text[i] != '"') {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            content += text[i++];
            continue;
        }
        const char e = text[i + 1];
        i += 2;
        switch (e) {
        case 'b':
            content += '\b';
            break;
        case 'f':
            content += '\f';
            break;
        case 'n':
            content += '\n';
            break;
        case 'r':
            content += '\r';
            break;
        case 't':
            content += '\t';
            break;
        case 'u': {
            std::uint32_t cp = 0;
            if (!read_hex4(text, i, cp)) break;
            i += 4;
            std::uint32_t low = 0;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= text.size() && text[i] == '\\' &&
                text[i + 1] == 'u' && read_hex4(text, i + 2, low) && low >= 0xDC00 &&
                low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            }
            append_utf8(cp, content);
            break;
        }
        default:
            content += e;
            break; // \" \\ \/
        }
    }
    return i < text.size() ? i + 1 : i;
}

} // namespace

std::optional<JsonProblem> describe_json_syntax_error(std::string_view text) {
    ErrorCollector collector;
    try {
        nlohmann::json::sax_parse(text, &collector);
    } catch (const nlohmann::json::exception& e) {
        // Number overflow ("1e400") is thrown rather than reported; no position then.
        if (!collector.problem)
            collector.problem =
                JsonProblem{ErrorCollector::clean_message(e.what()), std::string_view::npos};
    }
    return collector.problem;
}

std::optional<DuplicateKey> find_duplicate_key(std::string_view text) {
    // Iterative, so nesting depth cannot exhaust the stack.
    struct Frame {
        bool is_object;
        std::unordered_set<std::string> keys;
    };
    std::vector<Frame> frames;
    std::string content;
    char previous = 0; // last structural character seen
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            frames.push_back({c == '{', {}});
            previous = c;
            ++i;
            break;
        case '}':
        case ']':
            if (!frames.empty()) frames.pop_back();
            previous = c;
            ++i;
            break;
        case ',':
        case ':':
            previous = c;
            ++i;
            break;
        case '"': {
            const std::size_t start = i;
            i = read_string(text, i, content);
            const bool is_key =
                !frames.empty() && frames.back().is_object && (previous == '{' || previous == ',');
            if (is_key && !frames.back().keys.insert(content).second)
                return DuplicateKey{content, start};
            previous = '"';
            break;
        }
        default: // a number or literal
            while (i < text.size() && !is_space(text[i]) && text[i] != ',' && text[i] != ']' &&
                   text[i] != '}')
                ++i;
            previous = 'v';
            break;
        }
    }
    return std::nullopt;
}

std::string quote_for_message(std::string_view text) {
    constexpr std::size_t kMax = 80;
    std::string_view shown = text;
    bool cut = false;
    if (shown.size() > kMax) {
        std::size_t end = kMax;
        // Do not split a UTF-8 sequence.
        while (end > 0 && (static_cast<unsigned char>(shown[end]) & 0xC0) == 0x80)
            --end;
        shown = shown.substr(0, end);
        cut = true;
    }
    std::string out;
    append_json_string(shown, out);
    if (cut) {
        out.pop_back();
        out += "...\"";
    }
    return out;
}

} // namespace llmops
