// A small JSON -> YAML writer. yaml-cpp's emitter is not used: it does not choose chomping
// indicators for literal blocks, and we need control over which strings stay plain so that the
// text reads back (parse_yaml, YAML 1.2 core schema) as exactly the same value.
#include "prompt/spec_yaml.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/text.hpp"

namespace llmops::prompt {

using nlohmann::json;

namespace {

bool is_reserved_word(std::string_view s) {
    static constexpr std::array<std::string_view, 12> words = {
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", "nan", "inf"};
    return std::find(words.begin(), words.end(), ascii_lower(s)) != words.end();
}

// Conservative: only strings that cannot be read as anything but this string stay plain.
bool can_be_plain(std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0])) || s.back() == ' ')
        return false;
    for (char c : s) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                  std::string_view(" _.,/()?!@+'-").find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return !is_reserved_word(s);
}

bool can_be_literal(std::string_view s) {
    if (s.find('\n') == std::string_view::npos) return false;
    if (s.front() == ' ' || s.front() == '\t' || s.front() == '\n') return false;
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
    return s.find_first_not_of(" \t\n") != std::string_view::npos;
}

std::string quoted(const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string key_text(const std::string& key) {
    return can_be_plain(key) ? key : quoted(key);
}

void append_indent(std::string& out, int indent) {
    out.append(static_cast<std::size_t>(indent), ' ');
}

// A literal block scalar's header and lines; `indent` is the content's indentation.
void append_literal(std::string& out, std::string_view s, int indent) {
    std::size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n')
        ++trailing;
    out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
    out += '\n';
    std::string_view body = s.substr(0, s.size() - trailing);
    std::size_t start = 0;
    while (true) {
        std::size_t nl = body.find('\n', start);
        std::string_view line = body.substr(start, nl == std::string_view::npos ? nl : nl - start);
        if (!line.empty()) append_indent(out, indent);
        out += line;
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    for (std::size_t i = 1; i < trailing; ++i)
        out += '\n';
}

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        return can_be_plain(s) ? s : quoted(s);
    }
    return v.dump();
}

void append_map(std::string& out, const json& map, int indent, const std::vector<std::string>& keys,
                bool first_inline);
void append_seq(std::string& out, const json& seq, int indent);

// Keys in reading order: the known spec keys first (a message reads "role" then "content"),
// the rest alphabetically.
std::vector<std::string> keys_of(const json& map) {
    static constexpr std::array<std::string_view, 16> order = {
        "name",     "description", "extends",     "role",     "content", "messages",
        "template", "variables",   "type",        "required", "default", "examples",
        "model",    "output",      "json_schema", "extra"};
    auto rank = [](const std::string& key) {
        auto it = std::find(order.begin(), order.end(), key);
        return static_cast<std::size_t>(it - order.begin());
    };
    std::vector<std::string> keys;
    for (const auto& item : map.items())
        keys.push_back(item.key());
    std::stable_sort(keys.begin(), keys.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    return keys;
}

// Writes what follows "key:" or "- ": a scalar on the same line, or a block below.
void append_value(std::string& out, const json& v, int indent) {
    if (v.is_string() && can_be_literal(v.get_ref<const std::string&>())) {
        out += ' ';
        append_literal(out, v.get_ref<const std::string&>(), indent + 2);
    } else if (v.is_object() && !v.empty()) {
        out += '\n';
        append_map(out, v, indent + 2, keys_of(v), false);
    } else if (v.is_array() && !v.empty()) {
        out += '\n';
        append_seq(out, v, indent + 2);
    } else {
        out += ' ';
        out += v.is_object() ? "{}" : v.is_array() ? "[]" : scalar_text(v);
        out += '\n';
    }
}

void append_map(std::string& out, const json& map, int indent, const std::vector<std::string>& keys,
                bool first_inline) {
    bool first = true;
    for (const auto& key : keys) {
        if (!(first && first_inline)) append_indent(out, indent);
        first = false;
        out += key_text(key);
        out += ':';
        append_value(out, map.at(key), indent);
    }
}

void append_seq(std::string& out, const json& seq, int indent) {
    for (const auto& item : seq) {
        append_indent(out, indent);
        out += '-';
        if (item.is_object() && !item.empty()) {
            out += ' ';
            append_map(out, item, indent + 2, keys_of(item), true);
        } else if (item.is_array() && !item.empty()) {
            // Rare in specs: a flow sequence (JSON is valid YAML).
            out += ' ';
            out += item.dump(-1, ' ', false, json::error_handler_t::replace);
            out += '\n';
        } else {
            append_value(out, item, indent);
        }
    }
}

} // namespace

std::string spec_to_yaml(const json& spec) {
    if (!spec.is_object()) return scalar_text(spec) + "\n";
    std::string out;
    append_map(out, spec, 0, keys_of(spec), false);
    return out;
}

} // namespace llmops::prompt
