#include "http/http_response_parser.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <charconv>

namespace llmops::http {

namespace {

// Larger heads than this are an attack or a bug, never a model server.
constexpr std::size_t kMaxHeadBytes = 256 * 1024;

// Calls f(token) for each comma-separated, trimmed, non-empty token of a header value.
template <typename F> void for_each_token(std::string_view value, F f) {
    while (!value.empty()) {
        std::size_t comma = value.find(',');
        std::string_view token = trim_blanks(value.substr(0, comma));
        if (!token.empty()) f(token);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
}

} // namespace

void HttpResponseParser::fail(std::string message) {
    state_ = State::Failed;
    error_ = std::move(message);
}

std::optional<std::string_view> HttpResponseParser::next_line(std::string_view& input) {
    std::size_t newline = input.find('\n');
    if (newline == std::string_view::npos) {
        line_.append(input);
        input = {};
        if (head_bytes_ + line_.size() > kMaxHeadBytes) fail("response head over 256 KiB");
        return std::nullopt;
    }
    std::string_view line = input.substr(0, newline);
    input.remove_prefix(newline + 1);
    if (!line_.empty()) {
        line_.append(line);
        carried_.swap(line_);
        line_.clear();
        line = carried_;
    }
    head_bytes_ += line.size() + 1;
    if (head_bytes_ > kMaxHeadBytes) {
        fail("response head over 256 KiB");
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

bool HttpResponseParser::status_line(std::string_view line) {
    // HTTP/1.1 200 OK
    if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(line[7]))) {
        fail("not an HTTP/1.x status line");
        return false;
    }
    minor_version_ = line[7] - '0';
    int status = 0;
    auto [end, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
    if (ec != std::errc() || end != line.data() + 12 || status < 100 ||
        (line.size() > 12 && line[12] != ' ')) {
        fail("bad status code in the status line");
        return false;
    }
    status_ = status;
    return true;
}

bool HttpResponseParser::header_line(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return true; // obsolete folding: ignored
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        fail("malformed header line");
        return false;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_blanks(line.substr(colon + 1));
    if (ascii_iequals(name, "content-length")) {
        std::uint64_t length = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
            (content_length_ && *content_length_ != length)) {
            fail("bad Content-Length");
            return false;
        }
        content_length_ = length;
    } else if (ascii_iequals(name, "transfer-encoding")) {
        // Only the last coding frames the body; Content-Length no longer counts.
        transfer_coded_ = true;
        chunked_ = false;
        for_each_token(value, [&](std::string_view t) { chunked_ = ascii_iequals(t, "chunked"); });
    } else if (ascii_iequals(name, "connection")) {
        for_each_token(value, [&](std::string_view t) {
            if (ascii_iequals(t, "close")) connection_close_ = true;
            if (ascii_iequals(t, "keep-alive")) connection_keep_alive_ = true;
        });
    } else if (ascii_iequals(name, "retry-after")) {
        retry_after_ = std::string(value);
    }
    return true;
}

void HttpResponseParser::end_of_head() {
    if (status_ < 200) { // interim response: the real one follows
        if (status_ == 101) return fail("unexpected 101 Switching Protocols");
        retry_after_.reset();
        content_length_.reset();
        chunked_ = transfer_coded_ = connection_close_ = connection_keep_alive_ = false;
        state_ = State::StatusLine;
        return;
    }
    keep_alive_ =
        minor_version_ >= 1 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
    if (status_ == 204 || status_ == 304) {
        framing_ = Framing::None;
        state_ = State::Done;
    } else if (chunked_) {
        framing_ = Framing::Chunked;
        state_ = State::ChunkSize;
    } else if (content_length_ && !transfer_coded_) { // other codings: read until close
        framing_ = Framing::Length;
        remaining_ = *content_length_;
        state_ = remaining_ == 0 ? State::Done : State::Body;
    } else {
        framing_ = Framing::UntilClose;
        state_ = State::Body;
    }
}

bool HttpResponseParser::chunk_size_line(std::string_view line) {
    line = trim_blanks(line.substr(0, line.find(';'))); // chunk extensions are ignored
    std::uint64_t size = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || ec != std::errc() || end != line.data() + line.size()) {
        fail("bad chunk size in a chunked body");
        return false;
    }
    remaining_ = size;
    state_ = size == 0 ? State::Trailers : State::ChunkData;
    return true;
}

std::size_t HttpResponseParser::feed(std::string_view bytes) {
    const std::size_t given = bytes.size();
    if (!bytes.empty()) received_anything_ = true;
    std::string_view in = bytes;
    while (!in.empty() && state_ != State::Done && state_ != State::Failed) {
        switch (state_) {
        case State::StatusLine:
        case State::Headers:
        case State::ChunkSize:
        case State::ChunkEnd:
        case State::Trailers: {
            auto line = next_line(in);
            if (!line) break;
            if (state_ == State::StatusLine) {
                if (line->empty()) continue; // stray CRLF before a response is tolerated
                if (status_line(*line)) state_ = State::Headers;
            } else if (state_ == State::Headers) {
                if (line->empty())
                    end_of_head();
                else
                    header_line(*line);
            } else if (state_ == State::ChunkSize) {
                chunk_size_line(*line);
            } else if (state_ == State::ChunkEnd) {
                if (line->empty())
                    state_ = State::ChunkSize;
                else
                    fail("chunk data longer than its size");
            } else if (line->empty()) { // end of the trailers
                state_ = State::Done;
            }
            break;
        }
        case State::Body:
        case State::ChunkData: {
            std::size_t n =
                framing_ == Framing::UntilClose
                    ? in.size()
                    : static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
            if (on_body_) on_body_(in.substr(0, n));
            in.remove_prefix(n);
            if (framing_ == Framing::UntilClose) break;
            remaining_ -= n;
            if (remaining_ == 0) state_ = state_ == State::Body ? State::Done : State::ChunkEnd;
            break;
        }
        case State::Done:
        case State::Failed:
            break;
        }
    }
    if (state_ == State::Failed) return 0;
    return given - in.size();
}

bool HttpResponseParser::finish_at_eof() {
    if (state_ == State::Done) return true;
    if (state_ == State::Failed) return false;
    if (state_ == State::Body && framing_ == Framing::UntilClose) {
        state_ = State::Done;
        return true;
    }
    if (!received_anything_)
        fail("the server closed the connection without a response");
    else if (state_ == State::StatusLine || state_ == State::Headers)
        fail("the server closed the connection in the middle of the response head");
    else
        fail("the server closed the connection before the end of the response body");
    return false;
}

} // namespace llmops::http
