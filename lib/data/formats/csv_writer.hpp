#pragma once
// Writing canonical rows as RFC 4180 CSV: a header of the given fields, strings as their text,
// other values as JSON, missing and null as empty fields.
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

class CsvWriter {
  public:
    explicit CsvWriter(std::vector<std::string> fields) : fields_(std::move(fields)) {}
    void append_header(std::string& out) const;
    // Appends one CSV record (CRLF-terminated, as RFC 4180 says) for a canonical JSON object.
    void append_row(std::string_view canonical_row, std::string& out) const;

  private:
    std::vector<std::string> fields_;
};

void append_csv_field(std::string_view text, std::string& out);

} // namespace llmops::data
