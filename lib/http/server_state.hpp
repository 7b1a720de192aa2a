#pragma once
// What the two halves of the inbound server share (internal to lib/http): the server's state,
// HttpServer::Impl, and the calls into one connection's session. http_server.cpp listens,
// accepts and shuts down; http_session.cpp serves one connection, and is the only file that
// includes Beast. This header includes Asio (through io_thread.hpp), not Beast.
#include "http/http_server.hpp"
#include "http/io_thread.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace llmops::http {

using tcp = boost::asio::ip::tcp;

struct Session; // one connection (http_session.cpp)

inline std::chrono::steady_clock::duration duration_of(double seconds) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    ServerOptions options;
    RequestHandler handler;
    std::vector<std::unique_ptr<IoThread>> loops; // one per I/O thread
    std::atomic<std::size_t> next_loop{0};        // the thread the next connection goes to
    std::atomic<std::size_t> connection_count{0};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<bool> draining{false};
    std::atomic<bool> stopped{false}; // the I/O loop is stopping: posts may never run
    std::mutex drain_mutex;
    std::condition_variable drained;
    // Every open connection, to close them all at shutdown.
    std::mutex sessions_mutex;
    std::vector<std::weak_ptr<Session>> sessions;
    int bound_port = 0;
    tcp protocol = tcp::v4(); // the listening socket's
    bool started = false;     // start() ran and shutdown() has not

    Impl(ServerOptions opts, RequestHandler h);
    static std::vector<std::unique_ptr<IoThread>> make_loops(std::size_t threads) {
        std::vector<std::unique_ptr<IoThread>> loops;
        for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i)
            loops.push_back(std::make_unique<IoThread>());
        return loops;
    }
    void accept(IoThread& loop);
    // A new connection: a session on the next thread in turn, or a 503 over the limit.
    void take(IoThread& acceptor_loop, tcp::socket socket);
    void request_done() {
        if (in_flight.fetch_sub(1) == 1) {
            std::lock_guard lock(drain_mutex);
            drained.notify_all();
        }
    }
};

// A session for an accepted connection on its thread's loop, listed in server->sessions, then
// reading its first request.
void open_session(const std::shared_ptr<HttpServer::Impl>& server, tcp::socket socket);
// On the session's loop: closes it when it waits for a request (none taken, or the last one
// answered), or in any case.
void close_session_when_idle(const std::shared_ptr<Session>& session);
void close_session(const std::shared_ptr<Session>& session);

} // namespace llmops::http
