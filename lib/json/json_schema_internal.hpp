#pragma once
// Compiled form of a JSON Schema, shared by json_schema_compile.cpp (builds it) and
// json_schema_validate.cpp (walks it). Not part of the public API.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace llmops::json_schema_detail {

constexpr int no_node = -1;

// Bits for the "type" keyword.
enum TypeBit : std::uint8_t {
    type_null = 1,
    type_boolean = 2,
    type_object = 4,
    type_array = 8,
    type_number = 16,
    type_string = 32,
    type_integer = 64,
};

struct Pattern {
    std::string source; // as written in the schema
    std::shared_ptr<const RE2> regex;
};

// One schema (an object or a boolean) at one location of the schema document. Subschemas are
// indices into CompiledSchema::nodes, so $ref cycles are plain integers, not owning pointers.
struct SchemaNode {
    std::string pointer;         // JSON pointer of this schema inside the schema document
    std::optional<bool> boolean; // set for the boolean schemas `true` / `false`

    std::uint8_t types = 0; // 0 = no "type" keyword
    std::optional<nlohmann::json> const_value;
    std::optional<std::vector<nlohmann::json>> enum_values;

    // Numeric limits as long double: exact for every int64 / uint64 and every double.
    std::optional<long double> multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
    std::optional<std::size_t> max_length, min_length;
    std::optional<Pattern> pattern;

    std::vector<int> prefix_items;
    int items = no_node;
    int contains = no_node;
    std::optional<std::size_t> min_contains, max_contains;
    std::optional<std::size_t> max_items, min_items;
    bool unique_items = false;
    int unevaluated_items = no_node;

    std::optional<std::size_t> max_properties, min_properties;
    std::vector<std::string> required;
    std::vector<std::pair<std::string, int>> properties; // sorted by name
    std::vector<std::pair<Pattern, int>> pattern_properties;
    int additional_properties = no_node;
    std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required;
    std::vector<std::pair<std::string, int>> dependent_schemas;
    int property_names = no_node;
    int unevaluated_properties = no_node;

    std::vector<int> all_of, any_of, one_of;
    int not_schema = no_node;
    int if_schema = no_node, then_schema = no_node, else_schema = no_node;

    int ref = no_node;
    std::string ref_text; // the $ref as written, until resolved
    std::string base_uri; // base URI that $ref is resolved against

    bool uses_unevaluated = false; // has unevaluatedItems / unevaluatedProperties

    // Index of a property in `properties`, or no_node.
    int find_property(const std::string& name) const;
};

struct CompiledSchema {
    std::vector<SchemaNode> nodes; // nodes[0] is the root
};

// A JSON number as long double: exact for every int64, uint64 and double.
long double number_as_long_double(const nlohmann::json& number);

// JSON equality where numbers compare by value (1 == 1.0), as JSON Schema requires.
bool json_equal(const nlohmann::json& a, const nlohmann::json& b);
// A hash consistent with json_equal.
std::size_t json_hash(const nlohmann::json& value);

// Appends "/token" to a JSON pointer, escaping '~' and '/'.
void append_pointer_token(std::string& pointer, std::string_view token);

} // namespace llmops::json_schema_detail
