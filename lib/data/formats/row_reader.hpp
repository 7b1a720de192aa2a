#pragma once
// Streaming dataset readers: one row (a JSON object, canonicalised) at a time, in constant
// memory whatever the file size. See docs/data-formats.md for the accepted formats and errors.
#include "core/error.hpp"
#include "data/formats/byte_source.hpp"
#include "data/formats/input_format.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace llmops::data {

struct Row {
    std::string json; // canonical JSON text of the row object (see canonical_json.hpp)
    long line = 0;    // 1-based line in the source where the row starts
    long index = 0;   // 0-based position of the row in its source
};

struct ReaderOptions {
    bool infer_types = false; // CSV: numbers, booleans and empty fields get JSON types
    bool allow_empty = false; // a source without rows is not an error
    // Longest row accepted, in bytes of source text. Memory use is a small multiple of this,
    // so it bounds peak RSS (docs/data-formats.md); longer rows fail with a clear error.
    std::size_t max_row_bytes = std::size_t{16} << 20;
};

class RowReader {
  public:
    virtual ~RowReader() = default;
    RowReader(const RowReader&) = delete;
    RowReader& operator=(const RowReader&) = delete;

    // Reads the next row into `out` (reusing its storage) and returns true, or returns false
    // at the end. Throws Error(BadInput), located file:line:column, on bad input; an input with
    // no rows is an error unless options.allow_empty.
    bool next(Row& out);

    const std::string& source_name() const { return window_.name(); }
    long rows_read() const { return rows_; }

  protected:
    RowReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);
    virtual bool read_row(Row& out) = 0;

    // Skips a UTF-8 byte order mark at the very start of the input.
    void skip_bom();
    [[noreturn]] void fail(const std::string& message, long line, long column,
                           std::string hint = {}) const;
    [[noreturn]] void fail_row_too_long(long line, std::string hint = {}) const;

    StreamWindow window_;
    ReaderOptions options_;

  private:
    long rows_ = 0;
    bool finished_ = false;
};

// The error for a row longer than max_row_bytes (shared with the parallel JSONL reader).
Error row_too_long_error(const std::string& file, long line, std::size_t max_row_bytes,
                         std::string hint = {});

std::unique_ptr<RowReader> open_row_reader(const std::filesystem::path& path, InputFormat format,
                                           const ReaderOptions& options = {});
// A reader over bytes in memory (which must outlive it); `name` is used in error locations.
std::unique_ptr<RowReader> open_row_reader(std::string_view bytes, std::string name,
                                           InputFormat format, const ReaderOptions& options = {});
std::unique_ptr<RowReader> open_row_reader(std::unique_ptr<ByteSource> source, InputFormat format,
                                           const ReaderOptions& options = {});

} // namespace llmops::data
