#include "data/formats/json_array_reader.hpp"

#include "core/text.hpp"

#include <cstring>

namespace llmops::data {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char* kind_of_value(char first) {
    switch (first) {
    case '{':
        return "an object";
    case '"':
        return "a string";
    case 't':
    case 'f':
        return "a boolean";
    case 'n':
        return "null";
    default:
        return (first == '-' || (first >= '0' && first <= '9')) ? "a number" : "not JSON";
    }
}

} // namespace

JsonArrayReader::JsonArrayReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options)
    : RowReader(std::move(source), options) {}

void JsonArrayReader::advance(std::size_t count) {
    const char* p = window_.data();
    const char* end = p + count;
    while (const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p))) {
        ++line_;
        column_ = 1;
        p = nl + 1;
    }
    column_ += end - p;
    window_.consume(count);
}

bool JsonArrayReader::skip_space() {
    for (;;) {
        std::size_t i = 0;
        const char* data = window_.data();
        while (i < window_.size() && is_space(data[i]))
            ++i;
        advance(i);
        if (window_.size() > 0) return true;
        if (!window_.fill()) return false;
    }
}

std::size_t JsonArrayReader::element_length() {
    // Scanner state survives refills: a long element is scanned once.
    std::size_t i = 0;
    long depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (;;) {
        const char* data = window_.data();
        const std::size_t size = window_.size();
        for (; i < size; ++i) {
            const char c = data[i];
            if (in_string) {
                if (escaped)
                    escaped = false;
                else if (c == '\\')
                    escaped = true;
                else if (c == '"')
                    in_string = false;
                continue;
            }
            if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (depth == 0) return i;
                --depth;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        // Whitespace after the element is not part of the row (line 132 trims it too), so
        // the limit does not depend on where the reads end.
        std::size_t content = size;
        while (!in_string && content > 0 && is_space(data[content - 1]))
            --content;
        if (content > options_.max_row_bytes) fail_row_too_long(line_);
        if (!window_.fill()) return size; // the parser will say what is missing
    }
}

bool JsonArrayReader::read_row(Row& out) {
    for (;;) {
        switch (state_) {
        case State::Start: {
            skip_bom();
            if (!skip_space()) return false; // empty input
            const char first = window_.data()[0];
            if (first != '[') {
                std::string hint;
                if (first == '{') hint = "for one JSON object per line use --format jsonl";
                fail(std::string("expected a JSON array of objects, found ") + kind_of_value(first),
                     line_, column_, hint);
            }
            open_line_ = line_;
            open_column_ = column_;
            advance(1);
            state_ = State::FirstElement;
            break;
        }
        case State::FirstElement:
        case State::NextElement: {
            if (!skip_space()) fail("unterminated JSON array", open_line_, open_column_);
            const char first = window_.data()[0];
            if (first == ']') {
                if (state_ == State::NextElement)
                    fail("trailing comma in JSON array", line_, column_);
                advance(1);
                state_ = State::End;
                break;
            }
            std::size_t length = element_length();
            const long line = line_;
            std::string_view element(window_.data(), length);
            while (!element.empty() && is_space(element.back()))
                element.remove_suffix(1);
            if (element.empty()) fail("missing array element", line_, column_);
            if (element.size() > options_.max_row_bytes) fail_row_too_long(line);
            out.json.clear();
            out.line = line;
            try {
                canonicalizer_.append(element.data(), element.size(), out.json, JsonRoot::Object);
            } catch (const JsonTextError& error) {
                report(error, element);
            }
            advance(length);
            state_ = State::AfterElement;
            return true;
        }
        case State::AfterElement: {
            if (!skip_space()) fail("unterminated JSON array", open_line_, open_column_);
            const char c = window_.data()[0];
            if (c == ',') {
                state_ = State::NextElement;
            } else if (c == ']') {
                state_ = State::End;
            } else {
                fail("expected ',' or ']' after an array element", line_, column_);
            }
            advance(1);
            break;
        }
        case State::End:
            if (skip_space()) fail("unexpected content after the JSON array", line_, column_);
            state_ = State::Done;
            return false;
        case State::Done:
            return false;
        }
    }
}

void JsonArrayReader::report(const JsonTextError& error, std::string_view element) const {
    long line = line_;
    long column = 0;
    if (error.offset() != std::string::npos) {
        const TextPosition pos = position_of(element, error.offset());
        line = line_ + pos.line - 1;
        column = pos.line == 1 ? column_ + pos.column - 1 : pos.column;
    }
    std::string message = error.what();
    if (error.issue() == JsonIssue::NotObject) message = "array element is " + message;
    fail(message, line, column);
}

} // namespace llmops::data
