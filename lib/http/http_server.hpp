#pragma once
// The inbound HTTP/1.1 server of `llmops serve`: Boost.Beast on Asio, a few I/O threads, each
// with its own event loop, serving every connection asynchronously (no thread per connection;
// each connection is served by one thread's loop), keep-alive, chunked streaming, and a bound
// on everything a client controls: header and body size, the number of connections, the time
// to send a request (slowloris) and to read an answer. Beast parses
// HTTP; nothing here does by hand. This header includes no Boost; only http_session.cpp (one
// connection) includes Beast (http_server.cpp and io_thread.cpp include Asio alone), so the slow
// headers are compiled once. Reference: docs/serve.md.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmops::http {

using HeaderFields = std::vector<std::pair<std::string, std::string>>;

struct ServerLimits {
    std::size_t max_body_bytes = 4u << 20;    // 413 beyond it (Content-Length checked first)
    std::size_t max_header_bytes = 16u << 10; // 431 beyond it
    std::size_t max_connections = 4096;       // further connections get a 503 and are closed
    double idle_timeout_s = 30;  // a connection with no complete request header by then closes
    double read_timeout_s = 30;  // the body must arrive within this after its header
    double write_timeout_s = 60; // each write to a client (a stalled reader is dropped)
    // A larger body limit for one path (file uploads); "" = none.
    std::string upload_path;
    std::size_t max_upload_bytes = 0;
};

// Work that lives on one I/O thread beside the connections it serves, so that what a request
// starts there ends there without a hand-over between threads (the gateway's upstream calls).
// Every call is made on that thread.
class LoopWork {
  public:
    virtual ~LoopWork() = default;
    // A descriptor (an epoll set) the server watches for reading; fixed for the work's life.
    virtual int watched_fd() const = 0;
    // When run() is due at the latest; nullopt when only the descriptor matters.
    virtual std::optional<std::chrono::steady_clock::time_point> due() const = 0;
    // Does what is ready; called when the descriptor is readable and when due. The server asks
    // for due() again after each run() and after each request the thread's handler took.
    virtual void run() = 0;
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0; // 0 = any free port
    std::size_t threads = 2;
    ServerLimits limits;
    // The body of the 503 sent to a connection over max_connections, as (status, message).
    std::function<std::string(int status, std::string_view message)> error_body;
    // Optional: makes the LoopWork of an I/O thread, on that thread. It is destroyed on that
    // thread when the thread stops.
    std::function<std::unique_ptr<LoopWork>()> loop_work;
};

struct ServerRequest {
    std::string method; // "GET", "POST", ...
    std::string target; // path and query, as sent
    HeaderFields headers;
    std::string body;
    std::string remote; // client address
    // Set when the request could not be read: 400 malformed HTTP, 413 body too large, 431
    // header too large. The handler answers it (the connection is closed afterwards).
    int rejection_status = 0;
    std::string rejection_message;

    // The first header of that name (case-insensitive), "" when absent.
    std::string_view header(std::string_view name) const;
    std::string_view path() const; // the target without its query
};

// How a handler answers one request, from any thread, once: respond(), or begin_stream()
// then any number of write() and end_stream(). Calls after the answer is complete, or after
// the client went away, are ignored.
class ResponseWriter {
  public:
    virtual ~ResponseWriter() = default;
    virtual void respond(int status, HeaderFields headers, std::string body) = 0;
    virtual void begin_stream(int status, HeaderFields headers) = 0; // chunked encoding
    virtual void write(std::string data) = 0;
    // `delivered` (optional) is called once the end of the stream reached the client (true) or
    // the connection failed before (false): the moment a streamed answer's outcome is known.
    virtual void end_stream(std::function<void(bool delivered)> delivered = {}) = 0;
    // True once a write to the client failed (it disconnected or stalled).
    virtual bool client_gone() const = 0;
};

// Called on an I/O thread; must not block (hand slow work to another thread and answer from
// there).
using RequestHandler =
    std::function<void(ServerRequest&& request, std::shared_ptr<ResponseWriter> writer)>;

class HttpServer {
  public:
    // Binds and listens at once: Error(Usage) naming the address when that fails.
    HttpServer(ServerOptions options, RequestHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const;
    void start(); // starts the I/O threads
    // Closes the listening socket; connections already open finish their current request.
    void stop_accepting();
    // Waits up to drain_timeout_s for requests in flight to be answered, then closes every
    // connection and joins the I/O threads. Returns how many requests were still unanswered.
    std::size_t shutdown(double drain_timeout_s);

    std::size_t connections() const;
    std::size_t requests_in_flight() const;

    struct Impl; // shared with the connections (server_state.hpp)

  private:
    std::shared_ptr<Impl> impl_;
};

} // namespace llmops::http
