#include "data/schema_summary.hpp"

namespace llmops::data {

std::size_t skip_canonical_value(std::string_view text, std::size_t at) {
    if (at >= text.size()) return text.size();
    char c = text[at];
    if (c == '"') {
        for (std::size_t i = at + 1; i < text.size(); ++i) {
            if (text[i] == '\\')
                ++i;
            else if (text[i] == '"')
                return i + 1;
        }
        return text.size();
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        for (std::size_t i = at; i < text.size(); ++i) {
            char d = text[i];
            if (d == '"') {
                i = skip_canonical_value(text, i) - 1;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if (d == '}' || d == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return text.size();
    }
    // Scalars run to the next ',', '}' or ']' (canonical text has no whitespace).
    std::size_t i = at;
    while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']')
        ++i;
    return i;
}

const char* canonical_value_type(std::string_view value) {
    if (value.empty()) return "null";
    switch (value[0]) {
    case '"':
        return "string";
    case '{':
        return "object";
    case '[':
        return "array";
    case 't':
    case 'f':
        return "boolean";
    case 'n':
        return "null";
    default:
        return value.find_first_of(".eE") == std::string_view::npos ? "integer" : "number";
    }
}

void SchemaSummary::add_row(std::string_view row) {
    for_each_member(row, [this](std::string_view key, std::string_view value) {
        auto it = fields_.find(key);
        if (it == fields_.end())
            it = fields_.emplace(std::string(key), std::map<std::string, std::int64_t>{}).first;
        ++it->second[canonical_value_type(value)];
    });
}

nlohmann::json SchemaSummary::to_json() const {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [name, types] : fields_)
        fields[name] = types;
    return {{"fields", fields}};
}

} // namespace llmops::data
