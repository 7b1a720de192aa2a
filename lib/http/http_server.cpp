// The inbound server's listening side and life: the listening socket shared by the I/O threads,
// accepting and handing connections to the threads in turn (or a 503 over the connection
// limit), start, and the draining shutdown. Each connection is served by http_session.cpp.
#include "http/http_server.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/server_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace llmops::http {

namespace net = boost::asio;

std::string_view ServerRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii_iequals(key, name)) return value;
    return {};
}

std::string_view ServerRequest::path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
}

void HttpServer::Impl::accept(IoThread& loop) {
    loop.acceptor.async_accept(
        loop.ioc.get_executor(),
        [self = shared_from_this(), &loop](boost::system::error_code ec, tcp::socket socket) {
            if (ec) {
                // EMFILE and friends: keep serving the others. (A connection another thread
                // took first is not an error: asio waits for the next one.)
                if (ec == net::error::operation_aborted || !loop.acceptor.is_open()) return;
                return self->accept(loop);
            }
            self->take(loop, std::move(socket));
            // Then what else is waiting, up to a bound (nginx's multi_accept): one accept per
            // trip through the event loop fell behind when 1,000 clients connected at once.
            for (int more = 0; more < 64; ++more) {
                tcp::socket another(loop.ioc);
                loop.acceptor.accept(another, ec); // the acceptor is non-blocking
                if (ec) break;
                self->take(loop, std::move(another));
            }
            self->accept(loop);
        });
}

void HttpServer::Impl::take(IoThread& acceptor_loop, tcp::socket socket) {
    // Connections go to the threads in turn, whichever accepted them, so that no thread serves
    // more than its share. One accepted elsewhere moves to its thread's event loop.
    IoThread& target = *loops[next_loop.fetch_add(1) % loops.size()];
    if (&target != &acceptor_loop) {
        boost::system::error_code ec;
        int fd = socket.release(ec);
        if (ec) return;
        tcp::socket moved(target.ioc);
        moved.assign(protocol, fd, ec);
        if (ec) {
            ::close(fd);
            return;
        }
        socket = std::move(moved);
    }
    std::size_t open = connection_count.fetch_add(1) + 1;
    if (open > options.limits.max_connections) {
        // Over the limit: a short 503 and close, without reading the request.
        connection_count.fetch_sub(1);
        auto body = std::make_shared<std::string>(
            options.error_body ? options.error_body(503, "too many connections")
                               : std::string("too many connections"));
        auto head = std::make_shared<std::string>(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
            std::to_string(body->size()) + "\r\n\r\n" + *body);
        auto sock = std::make_shared<tcp::socket>(std::move(socket));
        net::async_write(*sock, net::buffer(*head),
                         [sock, head, body](boost::system::error_code, std::size_t) {
                             boost::system::error_code ignored;
                             sock->shutdown(tcp::socket::shutdown_both, ignored);
                             sock->close(ignored);
                         });
        return;
    }
    open_session(shared_from_this(), std::move(socket));
}

HttpServer::Impl::Impl(ServerOptions opts, RequestHandler h)
    : options(std::move(opts)), handler(std::move(h)), loops(make_loops(options.threads)) {}

HttpServer::HttpServer(ServerOptions options, RequestHandler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {
    boost::system::error_code ec;
    auto address = net::ip::make_address(impl_->options.host, ec);
    const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
    if (ec) throw_usage("cannot listen on " + where + ": not an IP address");
    tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
    impl_->protocol = endpoint.protocol();
    tcp::acceptor& first = impl_->loops.front()->acceptor;
    first.open(endpoint.protocol(), ec);
    if (!ec) first.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) first.bind(endpoint, ec);
    if (!ec) first.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) first.non_blocking(true, ec);
    for (std::size_t i = 1; i < impl_->loops.size() && !ec; ++i) {
        int fd = ::fcntl(first.native_handle(), F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            ec.assign(errno, boost::system::system_category());
        else
            impl_->loops[i]->acceptor.assign(impl_->protocol, fd, ec);
        if (!ec) impl_->loops[i]->acceptor.non_blocking(true, ec);
    }
    if (ec) throw_usage("cannot listen on " + where + ": " + ec.message());
    impl_->bound_port = first.local_endpoint().port();
}

HttpServer::~HttpServer() {
    if (impl_->started) shutdown(0);
}

int HttpServer::port() const {
    return impl_->bound_port;
}

void HttpServer::start() {
    for (auto& loop : impl_->loops)
        loop->work.emplace(loop->ioc.get_executor());
    for (auto& loop : impl_->loops)
        impl_->accept(*loop);
    for (auto& loop : impl_->loops)
        loop->thread =
            std::thread([impl = impl_, t = loop.get()] { t->run(impl->options.loop_work); });
    impl_->started = true;
}

void HttpServer::stop_accepting() {
    impl_->draining.store(true);
    for (auto& loop : impl_->loops)
        net::post(loop->ioc, [impl = impl_, t = loop.get()] {
            boost::system::error_code ec;
            t->acceptor.close(ec);
        });
}

std::size_t HttpServer::shutdown(double drain_timeout_s) {
    stop_accepting();
    // Idle keep-alive connections are waiting for a request that will not be served: close.
    auto close_idle = [this] {
        std::lock_guard lock(impl_->sessions_mutex);
        for (auto& weak : impl_->sessions)
            if (auto s = weak.lock()) close_session_when_idle(s);
    };
    close_idle();
    {
        std::unique_lock lock(impl_->drain_mutex);
        impl_->drained.wait_for(lock, duration_of(drain_timeout_s),
                                [this] { return impl_->in_flight.load() == 0; });
    }
    std::size_t abandoned = impl_->in_flight.load();
    {
        std::lock_guard lock(impl_->sessions_mutex);
        for (auto& weak : impl_->sessions)
            if (auto s = weak.lock()) close_session(s);
        impl_->sessions.clear();
    }
    // Let the closes run, then stop the loop.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (impl_->connection_count.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    impl_->stopped.store(true);
    for (auto& loop : impl_->loops) {
        loop->work.reset();
        loop->ioc.stop();
    }
    for (auto& loop : impl_->loops)
        if (loop->thread.joinable()) loop->thread.join();
    impl_->started = false;
    // Handlers still queued hold their sessions (and so this Impl): run them out, every socket
    // being closed, so nothing is left to keep the other alive.
    deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    for (auto& loop : impl_->loops) {
        loop->ioc.restart();
        loop->ioc.run_until(deadline);
    }
    return abandoned;
}

std::size_t HttpServer::connections() const {
    return impl_->connection_count.load();
}

std::size_t HttpServer::requests_in_flight() const {
    return impl_->in_flight.load();
}

} // namespace llmops::http
