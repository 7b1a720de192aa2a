#include "data/formats/csv_value.hpp"

#include "core/text.hpp"
#include "json/canonical_json.hpp"

namespace llmops::data {

bool is_json_number_literal(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    if (i < n && text[i] == '-') ++i;
    if (i >= n) return false;
    if (text[i] == '0') {
        ++i;
    } else if (is_ascii_digit(text[i])) {
        while (i < n && is_ascii_digit(text[i]))
            ++i;
    } else {
        return false;
    }
    if (i < n && text[i] == '.') {
        ++i;
        if (i >= n || !is_ascii_digit(text[i])) return false;
        while (i < n && is_ascii_digit(text[i]))
            ++i;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
        if (i >= n || !is_ascii_digit(text[i])) return false;
        while (i < n && is_ascii_digit(text[i]))
            ++i;
    }
    return i == n;
}

void append_csv_value(std::string_view field, bool quoted, bool infer_types, std::string& out) {
    if (infer_types) {
        if (field.empty()) {
            out += quoted ? "\"\"" : "null";
            return;
        }
        if (field == "true" || field == "false") {
            out += field;
            return;
        }
        if (is_json_number_literal(field) && append_canonical_number_text(field, out)) return;
    }
    append_json_string(field, out);
}

} // namespace llmops::data
