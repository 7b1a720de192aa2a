#pragma once
// JSON Lines: one JSON object per line; blank lines skipped; CRLF accepted.
#include "data/canonical_json.hpp"
#include "data/row_reader.hpp"

namespace llmops::data {

class JsonlReader final : public RowReader {
  public:
    JsonlReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);

  protected:
    bool read_row(Row& out) override;

  private:
    [[noreturn]] void report(const JsonTextError& error) const;

    JsonCanonicalizer canonicalizer_;
    long line_ = 0;             // lines consumed so far
    std::size_t scan_from_ = 0; // where the newline search resumes in a long, partial line
    bool started_ = false;
};

} // namespace llmops::data
