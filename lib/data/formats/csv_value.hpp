#pragma once
// How a CSV field becomes a JSON value.
#include <string>
#include <string_view>

namespace llmops::data {

// Appends `field` as a JSON string, or with infer_types as a typed value:
//  - an empty unquoted field -> null (a quoted empty field "" stays the empty string);
//  - exactly "true" / "false" -> a boolean;
//  - text matching the JSON number grammar -> a number in canonical spelling ("007", "+1",
//    " 1", "1,000", "NaN", "Infinity" do not match and stay strings; so do numbers that
//    overflow a double);
//  - anything else -> a string.
void append_csv_value(std::string_view field, bool quoted, bool infer_types, std::string& out);

// True when `text` is a JSON number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number_literal(std::string_view text);

} // namespace llmops::data
