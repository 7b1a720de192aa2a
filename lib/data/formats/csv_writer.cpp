#include "data/formats/csv_writer.hpp"

#include "data/schema_summary.hpp"

#include <nlohmann/json.hpp>
#include <unordered_map>

namespace llmops::data {

void append_csv_field(std::string_view text, std::string& out) {
    bool needs_quotes = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                        (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!needs_quotes) {
        out.append(text);
        return;
    }
    out.push_back('"');
    for (char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

void CsvWriter::append_header(std::string& out) const {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        if (i) out.push_back(',');
        append_csv_field(fields_[i], out);
    }
    out.append("\r\n");
}

void CsvWriter::append_row(std::string_view canonical_row, std::string& out) const {
    std::unordered_map<std::string_view, std::string_view> values;
    for_each_member(canonical_row,
                    [&values](std::string_view k, std::string_view v) { values.emplace(k, v); });
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        if (i) out.push_back(',');
        auto it = values.find(fields_[i]);
        if (it == values.end() || it->second == "null") continue;
        std::string_view value = it->second;
        if (value.front() == '"') {
            // Strings are written as their text, so a CSV round trip keeps them as strings.
            bool escaped = value.find('\\') != std::string_view::npos;
            if (escaped)
                append_csv_field(nlohmann::json::parse(value).get<std::string>(), out);
            else
                append_csv_field(value.substr(1, value.size() - 2), out);
        } else {
            append_csv_field(value, out);
        }
    }
    out.append("\r\n");
}

} // namespace llmops::data
