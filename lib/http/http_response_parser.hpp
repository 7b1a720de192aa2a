#pragma once
// An incremental HTTP/1.1 response parser (RFC 9112): feed it the bytes of one response as
// they arrive; it finds the status, the headers the transport needs, the body framing
// (Content-Length, chunked, or until the connection closes) and hands on the decoded body.
// Interim 1xx responses are skipped.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::http {

class HttpResponseParser {
  public:
    using BodySink = std::function<void(std::string_view)>;
    explicit HttpResponseParser(BodySink on_body) : on_body_(std::move(on_body)) {}

    // Consumes bytes of the response; returns how many belong to it (fewer than given only
    // once it is complete). Returns 0 and sets error() on a protocol error.
    std::size_t feed(std::string_view bytes);
    // The peer closed the connection: ends a body read until close. False when the response
    // was cut short (error() says how).
    bool finish_at_eof();

    bool complete() const { return state_ == State::Done; }
    bool failed() const { return state_ == State::Failed; }
    bool received_anything() const { return received_anything_; }
    int status() const { return status_; }
    const std::optional<std::string>& retry_after() const { return retry_after_; }
    // The connection may carry another request after this response.
    bool keep_alive() const { return keep_alive_ && framing_ != Framing::UntilClose; }
    const std::string& error() const { return error_; }

  private:
    enum class State {
        StatusLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        Done,
        Failed
    };
    enum class Framing { None, Length, Chunked, UntilClose };

    // Takes one CRLF- (or LF-) terminated line from the input, buffering partial lines.
    std::optional<std::string_view> next_line(std::string_view& input);
    bool status_line(std::string_view line);
    bool header_line(std::string_view line);
    void end_of_head();
    bool chunk_size_line(std::string_view line);
    void fail(std::string message);

    BodySink on_body_;
    State state_ = State::StatusLine;
    Framing framing_ = Framing::None;
    std::string line_;    // a partial line carried between feeds
    std::string carried_; // the last completed line that had been carried
    std::size_t head_bytes_ = 0;
    bool received_anything_ = false;
    int status_ = 0;
    int minor_version_ = 1;
    bool keep_alive_ = true;
    bool connection_close_ = false;
    bool connection_keep_alive_ = false;
    bool chunked_ = false;
    bool transfer_coded_ = false; // a Transfer-Encoding header was seen
    std::optional<std::uint64_t> content_length_;
    std::uint64_t remaining_ = 0; // body or chunk bytes still expected
    std::optional<std::string> retry_after_;
    std::string error_;
};

} // namespace llmops::http
