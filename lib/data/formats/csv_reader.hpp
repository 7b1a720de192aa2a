#pragma once
// CSV (RFC 4180): a header row names the columns; each later record becomes a JSON object keyed
// by those names. Quoted fields may hold commas, doubled quotes and newlines; CRLF or LF line
// ends; blank lines are skipped. Values are strings unless ReaderOptions::infer_types (see
// csv_value.hpp and docs/data-formats.md).
#include "data/formats/row_reader.hpp"

#include <string>
#include <vector>

namespace llmops::data {

class CsvReader final : public RowReader {
  public:
    CsvReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);

  protected:
    bool read_row(Row& out) override;

  private:
    struct Field {
        std::size_t begin = 0; // unescaped bytes: text_[begin, end)
        std::size_t end = 0;
        std::size_t offset = 0; // where the field starts in the record's source text
        bool quoted = false;
    };
    enum class Parse { Record, NeedMore, End };

    bool next_record();              // fills fields_; false at the end of the input
    Parse parse_record(bool at_eof); // one record at the window's front
    void take_header();
    [[noreturn]] void fail_at(const std::string& message, std::size_t offset) const;

    std::vector<std::string> header_;
    std::vector<std::string> key_prefixes_; // `,"name":` in key order
    std::vector<std::size_t> key_order_;    // header index for each key position
    std::vector<Field> fields_;
    std::string text_;
    std::size_t record_length_ = 0;  // source bytes of the record, terminator included
    std::size_t record_content_ = 0; // source bytes before the terminator
    long record_newlines_ = 0;       // '\n' bytes inside the record, terminator included
    std::size_t open_quote_ = std::string::npos; // of an unfinished quoted field
    long line_ = 1;                              // line of the window's first byte
    bool started_ = false;
};

} // namespace llmops::data
