#include "data/formats/jsonl_reader.hpp"

#include <cstring>

namespace llmops::data {

bool is_blank_line(std::string_view line) {
    for (char c : line) {
        if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
}

Error jsonl_line_error(const JsonTextError& error, std::string_view text, const std::string& file,
                       long line) {
    // A line holds no raw newline, so the column is the byte offset in the line plus one.
    long column = error.offset() == std::string::npos ? 0 : static_cast<long>(error.offset()) + 1;
    std::string message = error.what();
    if (error.issue() == JsonIssue::NotObject) message = "line is " + message;
    // Two bytes that no JSON text holds and that the parser reports without a position: name
    // them, with their column (the first line's byte order mark was skipped before).
    if (text.starts_with("\xEF\xBB\xBF")) {
        message = "byte order mark (U+FEFF) at the start of a line; only the file may start "
                  "with one";
        column = 1;
    } else if (const std::size_t nul = text.find('\0');
               nul != std::string_view::npos && nul <= error.offset()) { // npos: no position
        message = "NUL byte (0x00) in a line; JSON text cannot hold one";
        column = static_cast<long>(nul) + 1;
    }
    return Error(ErrorKind::BadInput, message,
                 ErrorLocation{.file = file, .line = line, .column = column});
}

JsonlReader::JsonlReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options)
    : RowReader(std::move(source), options) {}

bool JsonlReader::read_row(Row& out) {
    if (!started_) {
        skip_bom();
        started_ = true;
    }
    for (;;) {
        const char* data = window_.data();
        const std::size_t size = window_.size();
        const auto* newline =
            static_cast<const char*>(std::memchr(data + scan_from_, '\n', size - scan_from_));
        std::size_t length = 0;
        if (newline != nullptr) {
            length = static_cast<std::size_t>(newline - data);
            window_.consume(length + 1);
        } else {
            // A CR at the end of the window may be the line's CRLF: not part of the row.
            const bool cr_last = size > 0 && data[size - 1] == '\r';
            if (size - cr_last > options_.max_row_bytes) fail_row_too_long(line_ + 1);
            scan_from_ = size;
            if (window_.fill()) continue; // pointers into the window are stale now
            if (size == 0) return false;
            data = window_.data(); // fill() may have moved the bytes even at the end
            length = size;         // last line without a newline
            window_.consume(size);
        }
        // The line stays in the buffer until the next fill(), with padding after it.
        scan_from_ = 0;
        ++line_;
        if (length > 0 && data[length - 1] == '\r') --length;
        if (length > options_.max_row_bytes) fail_row_too_long(line_);
        if (is_blank_line(std::string_view(data, length))) continue;
        out.json.clear();
        out.line = line_;
        try {
            canonicalizer_.append(data, length, out.json, JsonRoot::Object);
        } catch (const JsonTextError& error) {
            throw jsonl_line_error(error, std::string_view(data, length), source_name(), line_);
        }
        return true;
    }
}

} // namespace llmops::data
