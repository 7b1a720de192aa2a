#include "data/formats/csv_reader.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "data/formats/csv_value.hpp"
#include "json/canonical_json.hpp"
#include "json/json_error_locator.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <unordered_set>

namespace llmops::data {

namespace {

// Bytes that end an unquoted field.
constexpr std::array<bool, 256> make_stop_table() {
    std::array<bool, 256> table{};
    table[','] = true;
    table['\n'] = true;
    table['\r'] = true;
    return table;
}
constexpr std::array<bool, 256> kStop = make_stop_table();

} // namespace

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options)
    : RowReader(std::move(source), options) {}

void CsvReader::fail_at(const std::string& message, std::size_t offset) const {
    const TextPosition pos = position_of(std::string_view(window_.data(), window_.size()), offset);
    fail(message, line_ + pos.line - 1, pos.column);
}

CsvReader::Parse CsvReader::parse_record(bool at_eof) {
    const char* data = window_.data();
    const std::size_t size = window_.size();
    fields_.clear();
    text_.clear();
    record_newlines_ = 0;
    open_quote_ = std::string::npos;
    std::size_t i = 0;
    for (;;) {
        Field field;
        field.offset = i;
        field.begin = text_.size();
        if (i < size && data[i] == '"') {
            field.quoted = true;
            open_quote_ = i;
            ++i;
            for (;;) {
                const auto* quote = static_cast<const char*>(std::memchr(data + i, '"', size - i));
                if (quote == nullptr) {
                    if (!at_eof) return Parse::NeedMore;
                    fail_at("unterminated quoted field", open_quote_);
                }
                const auto q = static_cast<std::size_t>(quote - data);
                record_newlines_ += std::count(data + i, quote, '\n');
                text_.append(data + i, quote);
                i = q + 1;
                if (i == size && !at_eof) return Parse::NeedMore; // "" or the closing quote?
                if (i < size && data[i] == '"') {
                    text_ += '"';
                    ++i;
                    continue;
                }
                break;
            }
            open_quote_ = std::string::npos;
            if (i + 1 == size && data[i] == '\r' && !at_eof) return Parse::NeedMore;
            if (i < size && data[i] != ',' && data[i] != '\n' &&
                !(data[i] == '\r' && (i + 1 == size || data[i + 1] == '\n')))
                fail_at("unexpected character after a closing quote", i);
        } else {
            // A quote inside an unquoted field is kept as data (a common, harmless deviation).
            // A lone CR is data too; CRLF and LF end the record.
            for (;;) {
                while (i < size && !kStop[static_cast<unsigned char>(data[i])])
                    ++i;
                if (i == size) {
                    if (!at_eof) return Parse::NeedMore;
                    break;
                }
                if (data[i] == '\r') {
                    if (i + 1 == size && !at_eof) return Parse::NeedMore;
                    if (i + 1 < size && data[i + 1] != '\n') {
                        ++i;
                        continue;
                    }
                }
                break;
            }
            text_.append(data + field.offset, data + i);
        }
        field.end = text_.size();
        fields_.push_back(field);
        if (i < size && data[i] == ',') {
            ++i;
            continue;
        }
        // End of record: LF, CRLF, a CR at the end of the input, or the end of the input.
        record_content_ = i;
        if (i < size && data[i] == '\r') ++i;
        if (i < size && data[i] == '\n') {
            ++i;
            ++record_newlines_;
        }
        record_length_ = i;
        return Parse::Record;
    }
}

bool CsvReader::next_record() {
    for (;;) {
        // Blank lines are skipped (a lone empty field would be ambiguous anyway).
        while (window_.size() > 0) {
            const char* data = window_.data();
            if (data[0] == '\n') {
                window_.consume(1);
                ++line_;
            } else if (data[0] == '\r' && window_.size() >= 2 && data[1] == '\n') {
                window_.consume(2);
                ++line_;
            } else if (data[0] == '\r' && window_.size() == 1 && !window_.at_eof()) {
                break; // need to see the next byte
            } else {
                break;
            }
        }
        if (window_.size() == 0 || (window_.size() == 1 && window_.data()[0] == '\r')) {
            if (window_.fill()) continue;
            if (window_.size() == 0) return false;
            if (window_.data()[0] == '\r') { // a stray CR at the very end
                window_.consume(1);
                return false;
            }
        }
        const Parse result = parse_record(window_.at_eof());
        if (result == Parse::Record) {
            // The limit counts the record without its line ending, wherever the reads ended.
            if (record_content_ > options_.max_row_bytes) fail_row_too_long(line_);
            break;
        }
        // An unfinished record: a CR at the end of the window may be its CRLF.
        const bool cr_last = window_.data()[window_.size() - 1] == '\r';
        if (window_.size() - cr_last > options_.max_row_bytes) {
            if (open_quote_ != std::string::npos) {
                const TextPosition pos =
                    position_of(std::string_view(window_.data(), window_.size()), open_quote_);
                fail("CSV record longer than the row size limit; is this quoted field ever "
                     "closed?",
                     line_ + pos.line - 1, pos.column);
            }
            fail_row_too_long(line_);
        }
        window_.fill(); // at the end of the input parse_record decides, with at_eof set
    }
    const std::string_view raw(window_.data(), record_length_);
    if (!is_valid_utf8(raw)) {
        const auto at = find_invalid_utf8(raw);
        fail_at("invalid UTF-8", at ? *at : 0);
    }
    return true;
}

void CsvReader::take_header() {
    header_.clear();
    std::unordered_set<std::string_view> seen;
    for (const Field& field : fields_)
        header_.emplace_back(text_, field.begin, field.end - field.begin);
    for (std::size_t i = 0; i < header_.size(); ++i) {
        if (!seen.insert(header_[i]).second)
            fail_at("duplicate column name " + quote_for_message(header_[i]) + " in the CSV header",
                    fields_[i].offset);
    }
    key_order_.resize(header_.size());
    std::iota(key_order_.begin(), key_order_.end(), 0);
    std::sort(key_order_.begin(), key_order_.end(),
              [&](std::size_t a, std::size_t b) { return header_[a] < header_[b]; });
    key_prefixes_.clear();
    for (std::size_t k = 0; k < key_order_.size(); ++k) {
        std::string prefix = k == 0 ? "" : ",";
        append_json_string(header_[key_order_[k]], prefix);
        prefix += ':';
        key_prefixes_.push_back(std::move(prefix));
    }
}

bool CsvReader::read_row(Row& out) {
    if (!started_) {
        skip_bom();
        started_ = true;
        if (!next_record()) return false; // no header: an empty input
        take_header();
        line_ += record_newlines_;
        window_.consume(record_length_);
    }
    if (!next_record()) return false;
    if (fields_.size() != header_.size()) {
        const std::string message = "ragged row: " + std::to_string(fields_.size()) +
                                    (fields_.size() == 1 ? " field" : " fields") +
                                    ", the header has " + std::to_string(header_.size());
        fail_at(message,
                fields_.size() > header_.size() ? fields_[header_.size()].offset : record_content_);
    }
    out.json.clear();
    out.line = line_;
    out.json += '{';
    for (std::size_t k = 0; k < key_order_.size(); ++k) {
        out.json += key_prefixes_[k];
        const Field& field = fields_[key_order_[k]];
        append_csv_value(std::string_view(text_).substr(field.begin, field.end - field.begin),
                         field.quoted, options_.infer_types, out.json);
    }
    out.json += '}';
    line_ += record_newlines_;
    window_.consume(record_length_);
    return true;
}

} // namespace llmops::data
