#include "index/row_fields.hpp"

#include "core/error.hpp"
#include "data/canonical_row.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

#include <nlohmann/json.hpp>

namespace llmops::index {

namespace {

bool is_string(std::string_view value) {
    return !value.empty() && value.front() == '"';
}

bool is_number(std::string_view value) {
    return !value.empty() &&
           (value.front() == '-' || (value.front() >= '0' && value.front() <= '9'));
}

std::string_view kind_name(std::string_view value) {
    if (value.empty()) return "empty";
    switch (value.front()) {
    case '"':
        return "a string";
    case '{':
        return "an object";
    case '[':
        return "an array";
    case 't':
    case 'f':
        return "a boolean";
    case 'n':
        return "null";
    default:
        return "a number";
    }
}

} // namespace

RowField::RowField(std::string name, std::string source)
    : name_(std::move(name)), key_(data::canonical_key(name_)), source_(std::move(source)) {}

std::string_view RowField::value(std::string_view row, std::int64_t row_index) const {
    std::optional<std::string_view> found = data::find_field(row, key_);
    if (!found)
        throw_bad_input("field '" + name_ + "' is missing in " + source_,
                        ErrorLocation{.row = row_index, .field = name_});
    return *found;
}

void RowField::wrong_type(std::string_view value, std::string_view wanted,
                          std::int64_t row_index) const {
    throw_bad_input("field '" + name_ + "' in " + source_ + " must be " + std::string(wanted) +
                        ", not " + std::string(kind_name(value)),
                    ErrorLocation{.row = row_index, .field = name_});
}

std::string RowField::text(std::string_view row, std::int64_t row_index) const {
    std::string_view v = value(row, row_index);
    if (is_string(v)) return decode_json_string(v);
    if (is_number(v)) return std::string(v);
    wrong_type(v, "a string or a number", row_index);
}

std::vector<std::string> RowField::ids(std::string_view row, std::int64_t row_index) const {
    std::string_view v = value(row, row_index);
    if (is_string(v)) return {decode_json_string(v)};
    if (is_number(v)) return {std::string(v)};
    if (v == "null") return {};
    if (v.front() != '[') wrong_type(v, "an array of ids, a string or a number", row_index);
    // Relevance lists are short; nlohmann is simple here. Elements are re-canonicalised so a
    // number reads exactly as it does in the row.
    std::vector<std::string> ids;
    for (const auto& element : nlohmann::json::parse(v)) {
        if (element.is_string())
            ids.push_back(element.get<std::string>());
        else if (element.is_number())
            ids.push_back(canonical_json(element));
        else
            throw_bad_input("field '" + name_ + "' in " + source_ +
                                " must hold only strings and numbers, not " +
                                std::string(element.type_name()),
                            ErrorLocation{.row = row_index, .field = name_});
    }
    return ids;
}

} // namespace llmops::index
