#pragma once
// Per-field type counts of a row stream, gathered from canonical row text without a full parse.
#include "json/canonical_json.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

class SchemaSummary {
  public:
    // `row` is canonical JSON of an object (data/canonical_json.hpp).
    void add_row(std::string_view row);
    // The same from the row's top-level fields, already known (JsonCanonicalizer::last_fields).
    // `keys_repeat`: their keys are those of the row added just before, in the same order.
    void add_fields(const std::vector<FieldType>& fields, bool keys_repeat = false);
    // Adds the counts of another summary (of other rows of the same stream).
    void merge(const SchemaSummary& other);
    // {"fields": {name: {"string": n, "integer": n, ...}}}, fields in key order.
    nlohmann::json to_json() const;

  private:
    void count(std::size_t position, std::string_view key, int type);

    struct FieldTypes {
        std::string name;
        std::int64_t counts[7] = {}; // by canonical_value_type order
    };
    std::map<std::string, FieldTypes, std::less<>> fields_;
    std::vector<FieldTypes*> last_order_;
    std::size_t last_row_fields_ = 0; // fields of the row added last (valid in last_order_)
    bool has_rows_ = false;
};

// The JSON type name of a canonical value by its first character: string, integer, number,
// boolean, null, object, array.
const char* canonical_value_type(std::string_view value);

// Calls fn(key_text, value_text) for each top-level member of a canonical JSON object.
// key_text is the key without quotes, still escaped as in canonical JSON.
template <typename Fn> void for_each_member(std::string_view row, Fn&& fn);

std::size_t skip_canonical_value(std::string_view text, std::size_t at);

template <typename Fn> void for_each_member(std::string_view row, Fn&& fn) {
    std::size_t at = 1; // past '{'
    while (at < row.size() && row[at] == '"') {
        std::size_t key_end = skip_canonical_value(row, at);
        std::string_view key = row.substr(at + 1, key_end - at - 2);
        std::size_t value_start = key_end + 1; // past ':'
        std::size_t value_end = skip_canonical_value(row, value_start);
        fn(key, row.substr(value_start, value_end - value_start));
        at = value_end + 1; // past ',' or '}'
    }
}

} // namespace llmops::data
