#include "json/json_error_locator.hpp"

#include "core/text.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

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

// Reads the string whose opening quote is at text[i]; returns the index after the closing
// quote and the unescaped content.
std::size_t read_string(std::string_view text, std::size_t i, std::string& content) {
    std::size_t consumed = 0;
    const std::string_view value = decode_json_string(text.substr(i), content, &consumed);
    if (value.data() != content.data()) content.assign(value); // no escape: a view into text
    return i + consumed;
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
        shown = utf8_prefix(shown, kMax);
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
