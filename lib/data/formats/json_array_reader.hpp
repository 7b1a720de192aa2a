#pragma once
// A JSON file holding one array of objects. Streamed: elements are split off the array one at a
// time (by a small scanner that tracks strings and nesting), so memory stays constant however
// large the array is.
#include "data/formats/row_reader.hpp"
#include "json/canonical_json.hpp"

namespace llmops::data {

class JsonArrayReader final : public RowReader {
  public:
    JsonArrayReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);

  protected:
    bool read_row(Row& out) override;

  private:
    enum class State { Start, FirstElement, NextElement, AfterElement, End, Done };

    bool skip_space(); // false at the end of the input
    void advance(std::size_t count);
    std::size_t element_length(); // bytes of the element at the window's front
    [[noreturn]] void report(const JsonTextError& error, std::string_view element) const;

    JsonCanonicalizer canonicalizer_;
    State state_ = State::Start;
    long line_ = 1; // position of the window's first byte
    long column_ = 1;
    long open_line_ = 1; // position of the '['
    long open_column_ = 1;
};

} // namespace llmops::data
