#pragma once
// The fields an index reads out of canonical dataset rows (data/canonical_json.hpp): passage
// text and ids when building, query text and relevant ids when evaluating. A string field is
// its content; a number is its canonical JSON text (7, 2.5, 1e+21), so an integer id 7 and the
// string "7" name the same passage. Anything else is an error located at the row and field.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::index {

class RowField {
  public:
    // source names the rows in error messages, e.g. "docs@2".
    RowField(std::string name, std::string source);

    const std::string& name() const { return name_; }

    // The field as text. Throws Error(BadInput) at (row, field) when it is missing or is not a
    // string or number.
    std::string text(std::string_view row, std::int64_t row_index) const;

    // The field as a list of ids: an array of strings and numbers, or one string or number;
    // null or [] is no ids. Throws Error(BadInput) at (row, field) when it is missing or holds
    // anything else.
    std::vector<std::string> ids(std::string_view row, std::int64_t row_index) const;

  private:
    std::string_view value(std::string_view row, std::int64_t row_index) const;
    [[noreturn]] void wrong_type(std::string_view value, std::string_view wanted,
                                 std::int64_t row_index) const;

    std::string name_;
    std::string key_; // as the key appears in canonical text
    std::string source_;
};

} // namespace llmops::index
