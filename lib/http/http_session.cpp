// One connection of the inbound server: read a request, hand it to the handler, write its
// answer (whole, or streamed in chunks), repeat while keep-alive.
//
// Boost.Beast (header-only, from Debian's libboost1.81-dev) was chosen because it is an
// asynchronous HTTP/1.1 parser and serializer on Asio: one event loop serves thousands of
// connections and long SSE streams without a thread each, and every limit we need (header
// bytes, body bytes, per-operation deadlines) is a parser or stream setting. cpp-httplib,
// already a dependency, blocks a pool thread per connection. Reference: lib/serve/README.md.
// This is the only file that includes Beast, so its slow headers are compiled once.
#include "http/server_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <optional>

namespace llmops::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

// One connection: read a request, hand it to the handler, write its answer, repeat while
// keep-alive. Everything runs on the event loop of the connection's thread, which only that
// thread runs (no strand needed: handlers of one loop never run at once).
struct Session : std::enable_shared_from_this<Session> {
    std::shared_ptr<HttpServer::Impl> server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bool keep_alive = false;
    std::uint64_t exchange = 0; // the number of the request being answered
    bool closed = false;
    std::atomic<bool> gone{false};
    // Streaming state.
    std::optional<bhttp::response<bhttp::empty_body>> stream_head;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer;
    std::deque<std::string> pending;
    bool writing = false;
    bool end_requested = false;
    bool head_written = false;
    std::shared_ptr<void> plain_response; // keeps a plain answer alive while it is written
    std::string remote;

    Session(std::shared_ptr<HttpServer::Impl> s, tcp::socket socket)
        : server(std::move(s)), stream(std::move(socket)) {
        beast::error_code ec;
        auto endpoint = stream.socket().remote_endpoint(ec);
        if (!ec) remote = endpoint.address().to_string();
        stream.socket().set_option(tcp::no_delay(true), ec);
    }
    ~Session() { server->connection_count.fetch_sub(1); }

    void start() {
        // Posted, not run here: the accepting loop goes on accepting first.
        net::post(stream.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    void read() {
        if (server->draining.load()) return close();
        parser.emplace();
        parser->header_limit(static_cast<std::uint32_t>(server->options.limits.max_header_bytes));
        // The larger of the two limits until the target is known (on_header narrows it).
        parser->body_limit(std::max(server->options.limits.max_body_bytes,
                                    server->options.limits.max_upload_bytes));
        stream.expires_after(duration_of(server->options.limits.idle_timeout_s));
        bhttp::async_read_header(stream, buffer, *parser,
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     self->on_header(ec);
                                 });
    }

    // The body limit of this request's path.
    std::size_t body_limit_for(std::string_view target) const {
        const ServerLimits& limits = server->options.limits;
        std::string_view path = target.substr(0, target.find('?'));
        return !limits.upload_path.empty() && path == limits.upload_path
                   ? std::max(limits.max_body_bytes, limits.max_upload_bytes)
                   : limits.max_body_bytes;
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        auto& req = parser->get();
        std::size_t limit = body_limit_for(req.target());
        if (auto length = parser->content_length(); length && *length > limit)
            return on_read_error(bhttp::error::body_limit);
        parser->body_limit(limit); // a chunked body is counted as it arrives
        if (bhttp::token_list(req[bhttp::field::expect]).exists("100-continue")) {
            auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(
                bhttp::status::continue_, req.version());
            bhttp::async_write(stream, *cont,
                               [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                                   if (e) return self->close();
                                   self->read_body();
                               });
            return;
        }
        read_body();
    }

    void read_body() {
        stream.expires_after(duration_of(server->options.limits.read_timeout_s));
        bhttp::async_read(
            stream, buffer, *parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read_error(beast::error_code ec) {
        // A client that closed, a timeout or a reset gets no answer; a request we could not
        // accept gets one (then the connection closes, its stream being out of step).
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == net::error::operation_aborted || ec == net::error::connection_reset ||
            ec == net::error::eof || ec == bhttp::error::partial_message)
            return close();
        ServerRequest request;
        request.remote = remote;
        if (ec == bhttp::error::body_limit) {
            request.rejection_status = 413;
            std::size_t limit = parser && parser->is_header_done()
                                    ? body_limit_for(parser->get().target())
                                    : server->options.limits.max_body_bytes;
            request.rejection_message =
                "the request body is larger than the limit of " + std::to_string(limit) + " bytes";
        } else if (ec == bhttp::error::header_limit) {
            request.rejection_status = 431;
            request.rejection_message = "the request header is larger than the limit of " +
                                        std::to_string(server->options.limits.max_header_bytes) +
                                        " bytes";
        } else {
            request.rejection_status = 400;
            request.rejection_message = "malformed HTTP request: " + ec.message();
        }
        if (parser && parser->is_header_done()) {
            const auto& req = parser->get();
            request.method = std::string(req.method_string());
            request.target = std::string(req.target());
            for (const auto& f : req)
                request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
        keep_alive = false;
        rejected = true;
        dispatch(std::move(request));
    }

    void on_read(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        auto req = parser->release();
        keep_alive = req.keep_alive();
        ServerRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        request.headers.reserve(8);
        for (const auto& f : req)
            request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        request.body = std::move(req.body());
        request.remote = remote;
        dispatch(std::move(request));
    }

    void dispatch(ServerRequest&& request);

    // Called on the connection's thread.
    void send_plain(std::uint64_t number, int status, HeaderFields&& headers, std::string&& body) {
        if (number != exchange || closed) return;
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
            static_cast<bhttp::status>(status), 11);
        for (auto& [name, value] : headers)
            res->insert(name, value);
        res->body() = std::move(body);
        bool keep = keep_alive && !server->draining.load();
        res->keep_alive(keep);
        res->prepare_payload();
        plain_response = res;
        stream.expires_after(duration_of(server->options.limits.write_timeout_s));
        bhttp::async_write(stream, *res,
                           [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                               self->plain_response.reset();
                               self->finish_exchange(!ec && keep);
                           });
    }

    void send_stream_head(std::uint64_t number, int status, HeaderFields&& headers) {
        if (number != exchange || closed || stream_head) return;
        stream_head.emplace(static_cast<bhttp::status>(status), 11);
        for (auto& [name, value] : headers)
            stream_head->insert(name, value);
        stream_head->chunked(true);
        stream_head->keep_alive(keep_alive && !server->draining.load());
        stream_serializer.emplace(*stream_head);
        writing = true;
        stream.expires_after(duration_of(server->options.limits.write_timeout_s));
        bhttp::async_write_header(stream, *stream_serializer,
                                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                      self->head_written = true;
                                      self->on_stream_written(ec);
                                  });
    }

    void queue_chunk(std::uint64_t number, std::string&& data) {
        if (number != exchange || closed || !stream_head || end_requested || data.empty()) return;
        pending.push_back(std::move(data));
        if (!writing) write_next();
    }

    void queue_end(std::uint64_t number, std::function<void(bool)>&& delivered) {
        if (number != exchange || closed || !stream_head || end_requested) {
            if (delivered) delivered(false);
            return;
        }
        end_requested = true;
        on_stream_end = std::move(delivered);
        if (!writing) write_next();
    }

    void report_stream_end(bool delivered) {
        if (auto cb = std::move(on_stream_end)) {
            on_stream_end = nullptr;
            cb(delivered);
        }
    }
    std::function<void(bool)> on_stream_end;

    void write_next() {
        stream.expires_after(duration_of(server->options.limits.write_timeout_s));
        if (!pending.empty()) {
            writing = true;
            net::async_write(stream, bhttp::make_chunk(net::buffer(pending.front())),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 self->pending.pop_front();
                                 self->on_stream_written(ec);
                             });
        } else if (end_requested) {
            writing = true;
            net::async_write(stream, bhttp::make_chunk_last(),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) self->gone.store(true);
                                 self->report_stream_end(!ec);
                                 bool keep = !ec && self->stream_head->keep_alive();
                                 self->stream_head.reset();
                                 self->stream_serializer.reset();
                                 self->pending.clear();
                                 self->writing = false;
                                 self->end_requested = false;
                                 self->head_written = false;
                                 self->finish_exchange(keep);
                             });
        } else {
            writing = false;
        }
    }

    void on_stream_written(beast::error_code ec) {
        if (ec) {
            gone.store(true);
            pending.clear();
            close();
            report_stream_end(false);
            finish_current();
            return;
        }
        write_next();
    }

    bool answered = false; // the current exchange's answer is complete (or abandoned)

    void finish_current() {
        if (answered) return;
        answered = true;
        server->request_done();
    }

    void finish_exchange(bool keep) {
        finish_current();
        if (!keep) {
            gone.store(true);
            return rejected ? linger_close() : close();
        }
        read();
    }

    // After refusing a request whose body was not read: stop sending, then read and drop what
    // the client still sends for a moment before closing, so the close does not reset the
    // connection under the answer before the client read it.
    void linger_close() {
        if (closed) return;
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return close();
        stream.expires_after(std::chrono::seconds(2));
        drain_buffer.resize(16384);
        stream.async_read_some(net::buffer(drain_buffer),
                               [self = shared_from_this()](beast::error_code e, std::size_t) {
                                   if (e) return self->close();
                                   self->linger_close_more();
                               });
    }
    void linger_close_more() {
        stream.async_read_some(net::buffer(drain_buffer),
                               [self = shared_from_this()](beast::error_code e, std::size_t) {
                                   if (e) return self->close();
                                   self->linger_close_more();
                               });
    }
    bool rejected = false;
    std::vector<char> drain_buffer;

    void close() {
        if (closed) return;
        closed = true;
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.close();
    }
};

// The handler's view of one exchange; calls hop onto the connection's event loop.
class Exchange final : public ResponseWriter {
  public:
    Exchange(std::shared_ptr<Session> session, std::uint64_t number)
        : session_(std::move(session)), number_(number) {}

    void respond(int status, HeaderFields headers, std::string body) override {
        if (done_.exchange(true)) return;
        net::post(session_->stream.get_executor(),
                  [s = session_, n = number_, status, h = std::move(headers),
                   b = std::move(body)]() mutable {
                      s->send_plain(n, status, std::move(h), std::move(b));
                  });
    }
    void begin_stream(int status, HeaderFields headers) override {
        if (done_.load() || streaming_.exchange(true)) return;
        net::post(session_->stream.get_executor(),
                  [s = session_, n = number_, status, h = std::move(headers)]() mutable {
                      s->send_stream_head(n, status, std::move(h));
                  });
    }
    void write(std::string data) override {
        if (done_.load() || !streaming_.load()) return;
        net::post(session_->stream.get_executor(),
                  [s = session_, n = number_, d = std::move(data)]() mutable {
                      s->queue_chunk(n, std::move(d));
                  });
    }
    void end_stream(std::function<void(bool)> delivered) override {
        if (!streaming_.load() || done_.exchange(true) || session_->server->stopped.load()) {
            if (delivered) delivered(false);
            return;
        }
        net::post(session_->stream.get_executor(),
                  [s = session_, n = number_, d = std::move(delivered)]() mutable {
                      s->queue_end(n, std::move(d));
                  });
    }
    bool client_gone() const override { return session_->gone.load(); }

    ~Exchange() override {
        // A handler that dropped its writer without answering: close, never hang the client.
        if (!done_.load())
            net::post(session_->stream.get_executor(), [s = session_, n = number_] {
                if (n != s->exchange) return;
                s->close();
                s->finish_current();
            });
    }

  private:
    std::shared_ptr<Session> session_;
    std::uint64_t number_;
    std::atomic<bool> done_{false};
    std::atomic<bool> streaming_{false};
};

void Session::dispatch(ServerRequest&& request) {
    stream.expires_never();
    ++exchange;
    answered = false;
    server->in_flight.fetch_add(1);
    auto writer = std::make_shared<Exchange>(shared_from_this(), exchange);
    try {
        server->handler(std::move(request), writer);
    } catch (...) {
        // A handler must answer with an error instead of throwing; be safe anyway.
        writer->respond(500, {{"Content-Type", "application/json"}},
                        R"({"error":{"message":"internal error","type":"server_error"}})");
    }
    if (IoThread* loop = IoThread::current()) loop->rearm(); // the handler may have started work
}

void open_session(const std::shared_ptr<HttpServer::Impl>& server, tcp::socket socket) {
    auto session = std::make_shared<Session>(server, std::move(socket));
    {
        std::lock_guard lock(server->sessions_mutex);
        auto& sessions = server->sessions;
        if (sessions.size() > 64 && sessions.size() % 64 == 0)
            std::erase_if(sessions, [](auto& w) { return w.expired(); });
        sessions.push_back(session);
    }
    session->start();
}

void close_session_when_idle(const std::shared_ptr<Session>& session) {
    net::post(session->stream.get_executor(), [s = session] {
        if (s->answered || s->exchange == 0) s->close();
    });
}

void close_session(const std::shared_ptr<Session>& session) {
    net::post(session->stream.get_executor(), [s = session] { s->close(); });
}

} // namespace llmops::http
