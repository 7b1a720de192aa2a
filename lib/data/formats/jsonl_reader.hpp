#pragma once
// JSON Lines: one JSON object per line; blank lines skipped; CRLF accepted.
#include "data/formats/row_reader.hpp"
#include "json/canonical_json.hpp"

namespace llmops::data {

class JsonlReader final : public RowReader {
  public:
    JsonlReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);

  protected:
    bool read_row(Row& out) override;

  private:
    JsonCanonicalizer canonicalizer_;
    long line_ = 0;             // lines consumed so far
    std::size_t scan_from_ = 0; // where the newline search resumes in a long, partial line
    bool started_ = false;
};

// The error for JSONL line `text` that is not a valid JSON object (shared with the parallel
// reader).
Error jsonl_line_error(const JsonTextError& error, std::string_view text, const std::string& file,
                       long line);

// True for a line of only spaces, tabs and carriage returns (skipped like an empty one).
bool is_blank_line(std::string_view line);

} // namespace llmops::data
