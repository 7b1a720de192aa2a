#include "data/canonical_row.hpp"

#include "data/schema_summary.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

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

std::string value_text(std::string_view value) {
    if (!value.empty() && value.front() == '"') return decode_json_string(value);
    return std::string(value);
}

} // namespace llmops::data
