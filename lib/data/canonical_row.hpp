#pragma once
// Reading top-level fields out of canonical row text (data/canonical_json.hpp) without parsing
// the whole row: the row operations (filter, split, transform) touch a few fields of many rows.
#include <optional>
#include <string>
#include <string_view>

namespace llmops::data {

// A field name as its key appears between the quotes in canonical text (escaped).
std::string canonical_key(std::string_view name);

// The canonical text of the value of the top-level field whose escaped key is `key`, if present.
std::optional<std::string_view> find_field(std::string_view row, std::string_view key);

// (A canonical string or key decoded to UTF-8: decode_json_string, json/json_string.hpp.)

// The text string operations see: a string's content, any other value's canonical text
// (`42`, `true`, `null`, `{"a":1}`).
std::string value_text(std::string_view canonical_value);

} // namespace llmops::data
