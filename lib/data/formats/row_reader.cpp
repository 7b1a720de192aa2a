#include "data/formats/row_reader.hpp"

#include "core/error.hpp"
#include "data/formats/csv_reader.hpp"
#include "data/formats/json_array_reader.hpp"
#include "data/formats/jsonl_reader.hpp"

#include <cstring>

namespace llmops::data {

RowReader::RowReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options)
    : window_(std::move(source)), options_(options) {}

bool RowReader::next(Row& out) {
    if (finished_) return false;
    if (read_row(out)) {
        out.index = rows_++;
        return true;
    }
    finished_ = true;
    if (rows_ == 0 && !options_.allow_empty)
        throw Error(ErrorKind::BadInput, "empty input: no rows",
                    ErrorLocation{.file = source_name()},
                    "pass --allow-empty to accept a dataset without rows");
    return false;
}

void RowReader::skip_bom() {
    while (window_.size() < 3 && window_.fill()) {
    }
    if (window_.size() >= 3 && std::memcmp(window_.data(), "\xEF\xBB\xBF", 3) == 0)
        window_.consume(3);
}

void RowReader::fail(const std::string& message, long line, long column, std::string hint) const {
    throw Error(ErrorKind::BadInput, message,
                ErrorLocation{.file = source_name(), .line = line, .column = column},
                std::move(hint));
}

void RowReader::fail_row_too_long(long line, std::string hint) const {
    throw row_too_long_error(source_name(), line, options_.max_row_bytes, std::move(hint));
}

Error row_too_long_error(const std::string& file, long line, std::size_t max_row_bytes,
                         std::string hint) {
    const std::size_t mib = max_row_bytes >> 20;
    const std::string limit =
        mib > 0 ? std::to_string(mib) + " MiB" : std::to_string(max_row_bytes) + " bytes";
    if (hint.empty()) hint = "rows are limited to " + limit + " to bound memory use";
    return Error(ErrorKind::BadInput, "row longer than " + limit,
                 ErrorLocation{.file = file, .line = line, .column = 0}, std::move(hint));
}

std::unique_ptr<RowReader> open_row_reader(std::unique_ptr<ByteSource> source, InputFormat format,
                                           const ReaderOptions& options) {
    switch (format) {
    case InputFormat::Jsonl:
        return std::make_unique<JsonlReader>(std::move(source), options);
    case InputFormat::Csv:
        return std::make_unique<CsvReader>(std::move(source), options);
    case InputFormat::Json:
        return std::make_unique<JsonArrayReader>(std::move(source), options);
    }
    throw_bad_input("unknown format");
}

std::unique_ptr<RowReader> open_row_reader(const std::filesystem::path& path, InputFormat format,
                                           const ReaderOptions& options) {
    return open_row_reader(open_file_source(path), format, options);
}

std::unique_ptr<RowReader> open_row_reader(std::string_view bytes, std::string name,
                                           InputFormat format, const ReaderOptions& options) {
    return open_row_reader(open_memory_source(bytes, std::move(name)), format, options);
}

} // namespace llmops::data
