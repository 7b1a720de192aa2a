#include "http/plain_http_client.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/text.hpp"
#include "http/http_response_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unordered_map>

namespace llmops::http {

namespace {

using Clock = std::chrono::steady_clock;

// As libcurl's default connect timeout is capped for the curl client.
constexpr auto kMaxConnectTime = std::chrono::seconds(10);
constexpr std::size_t kReadBlock = 64 * 1024;

long long ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

struct Exchange {
    enum class Phase { Waiting, Connecting, Sending, Receiving, Finished };

    std::uint64_t ticket = 0;
    std::function<void(std::string_view)> on_data; // the call's streaming callback
    PlainHttpUrl url;
    std::string origin;
    Phase phase = Phase::Waiting;
    FileDescriptor socket;
    bool has_slot = false; // counts against the origin's connection limit
    bool reused = false;   // the connection carried an earlier exchange
    bool retried = false;  // already moved once to a fresh connection
    std::size_t next_address = 0;
    std::string connect_error;
    std::string request;
    std::size_t sent = 0;
    std::string body;
    std::size_t received = 0;
    std::unique_ptr<HttpResponseParser> parser;
    Clock::time_point started, deadline, connect_deadline;

    void reset_response() {
        body.clear();
        received = 0;
        parser = std::make_unique<HttpResponseParser>([this](std::string_view bytes) {
            body.append(bytes);
            if (on_data) on_data(bytes);
        });
    }
};

struct Origin {
    std::vector<Address> addresses;
    std::string resolve_error;
    std::vector<FileDescriptor> idle; // kept-alive connections
    std::size_t busy = 0;             // connections carrying an exchange
    std::deque<Exchange*> waiting;    // exchanges queued for a connection
};

std::string build_request(const PlainHttpUrl& url, const HttpCall& call) {
    std::string head =
        fmt::format("POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: llmops/" LLMOPS_VERSION
                    "\r\nAccept: */*\r\nContent-Length: {}\r\n",
                    url.target, url.host_header, call.body.size());
    for (const auto& [name, value] : call.headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    head += call.body;
    return head;
}

} // namespace

std::optional<PlainHttpUrl> parse_plain_http_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.size() < kScheme.size() || !ascii_iequals(url.substr(0, kScheme.size()), kScheme))
        return std::nullopt;
    url.remove_prefix(kScheme.size());
    std::size_t end = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? "" : url.substr(end);
    rest = rest.substr(0, rest.find('#'));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    PlainHttpUrl out;
    out.host_header = std::string(authority);
    std::string_view port = "80";
    if (authority.front() == '[') { // [IPv6]:port
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
    } else {
        std::size_t colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    unsigned number = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (out.host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() ||
        number == 0 || number > 65535)
        return std::nullopt;
    out.port = std::to_string(number);
    out.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
    return out;
}

struct PlainHttpClient::Impl {
    std::size_t max_per_origin = 1;
    std::unordered_map<std::string, Origin> origins;
    std::vector<std::unique_ptr<Exchange>> exchanges;
    std::vector<Exchange*> armed; // exchange of each descriptor arm() added, in order
    std::size_t first_armed = 0;  // index of the first of them in the poll set
    std::vector<HttpResponse> finished;
    char buffer[kReadBlock];

    Origin& origin_of(Exchange& ex) {
        Origin& o = origins[ex.origin];
        if (o.addresses.empty() && o.resolve_error.empty()) resolve(ex.url, o);
        return o;
    }

    static void resolve(const PlainHttpUrl& url, Origin& o) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &list);
        if (rc != 0) {
            o.resolve_error =
                fmt::format("cannot resolve host {}: {}", url.host, ::gai_strerror(rc));
            return;
        }
        for (addrinfo* a = list; a; a = a->ai_next) {
            Address address;
            std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
            address.length = a->ai_addrlen;
            o.addresses.push_back(address);
        }
        ::freeaddrinfo(list);
    }

    void finish(Exchange& ex, HttpResponse r) {
        r.ticket = ex.ticket;
        r.body = std::move(ex.body);
        finished.push_back(std::move(r));
        ex.phase = Exchange::Phase::Finished;
    }

    void fail(Exchange& ex, std::string error, bool connect_failed = false,
              bool timed_out = false) {
        HttpResponse r;
        r.transport_ok = false;
        r.error = std::move(error);
        r.connect_failed = connect_failed;
        r.timed_out = timed_out;
        if (ex.parser) {
            r.status = ex.parser->status();
            r.retry_after = ex.parser->retry_after();
        }
        release(ex, false);
        finish(ex, std::move(r));
    }

    // Gives the exchange's connection back (kept for reuse, or closed) and lets a queued
    // exchange of the same origin have one.
    void release(Exchange& ex, bool reusable) {
        if (!ex.has_slot) return;
        Origin& o = origins[ex.origin];
        if (reusable && ex.socket.valid() && o.idle.size() < max_per_origin)
            o.idle.push_back(std::move(ex.socket));
        ex.socket = FileDescriptor();
        ex.has_slot = false;
        --o.busy;
        while (!o.waiting.empty() && o.busy < max_per_origin) {
            Exchange* next = o.waiting.front();
            o.waiting.pop_front();
            dispatch(*next);
        }
    }

    static void take_slot(Exchange& ex, Origin& o) {
        ++o.busy;
        ex.has_slot = true;
    }

    static bool still_open(int fd) {
        char probe;
        ssize_t n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    // Finds the exchange a connection: a place in the origin's queue when all its slots are
    // busy, else an idle kept-alive connection, else a new one.
    void dispatch(Exchange& ex) {
        Origin& o = origin_of(ex);
        if (!o.resolve_error.empty()) return fail(ex, o.resolve_error, true);
        if (o.busy >= max_per_origin) {
            ex.phase = Exchange::Phase::Waiting;
            o.waiting.push_back(&ex);
            return;
        }
        take_slot(ex, o);
        while (!ex.retried && !o.idle.empty()) {
            FileDescriptor socket = std::move(o.idle.back());
            o.idle.pop_back();
            if (!still_open(socket.get())) continue; // the server closed it meanwhile
            ex.socket = std::move(socket);
            ex.reused = true;
            return begin_sending(ex);
        }
        ex.reused = false;
        ex.next_address = 0;
        ex.connect_deadline = std::min(ex.deadline, Clock::now() + kMaxConnectTime);
        connect_next(ex, o);
    }

    // Tries the origin's addresses in turn (localhost may be ::1 then 127.0.0.1).
    void connect_next(Exchange& ex, Origin& o) {
        while (ex.next_address < o.addresses.size()) {
            const Address& a = o.addresses[ex.next_address++];
            FileDescriptor socket(
                ::socket(a.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            if (!socket.valid()) {
                ex.connect_error = std::strerror(errno);
                continue;
            }
            int on = 1;
            ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            ::setsockopt(socket.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
            int rc =
                ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&a.storage), a.length);
            if (rc == 0 || errno == EINPROGRESS) {
                ex.socket = std::move(socket);
                if (rc == 0) return begin_sending(ex);
                ex.phase = Exchange::Phase::Connecting;
                return;
            }
            ex.connect_error = std::strerror(errno);
        }
        std::string why = std::move(ex.connect_error);
        fail(ex, fmt::format("cannot connect to {} port {}: {}", ex.url.host, ex.url.port, why),
             true);
    }

    void on_connected(Exchange& ex) {
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(ex.socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0)
            error = errno;
        if (error == 0) return begin_sending(ex);
        ex.connect_error = std::strerror(error);
        ex.socket = FileDescriptor();
        connect_next(ex, origins[ex.origin]);
    }

    void begin_sending(Exchange& ex) {
        ex.phase = Exchange::Phase::Sending;
        ex.sent = 0;
        ex.reset_response();
        send_some(ex);
    }

    // A kept-alive connection the server had closed fails before any answer: that is no
    // fault of the request, so it goes once more on a fresh connection, as curl does.
    bool retry_on_fresh_connection(Exchange& ex) {
        if (!ex.reused || ex.retried || ex.parser->received_anything()) return false;
        ex.retried = true;
        release(ex, false);
        dispatch(ex);
        return true;
    }

    void send_some(Exchange& ex) {
        while (ex.sent < ex.request.size()) {
            ssize_t n = ::send(ex.socket.get(), ex.request.data() + ex.sent,
                               ex.request.size() - ex.sent, MSG_NOSIGNAL);
            if (n > 0) {
                ex.sent += static_cast<std::size_t>(n);
                continue;
            }
            int error = n < 0 ? errno : EPIPE;
            if (error == EINTR) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) return;
            if (retry_on_fresh_connection(ex)) return;
            return fail(ex, fmt::format("cannot send the request: {}", std::strerror(error)));
        }
        ex.phase = Exchange::Phase::Receiving;
        receive_some(ex); // an answer may already be waiting
    }

    void receive_some(Exchange& ex) {
        for (;;) {
            ssize_t n = ::recv(ex.socket.get(), buffer, sizeof buffer, 0);
            int error = n < 0 ? errno : 0;
            if (error == EINTR) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) return;
            if (n <= 0) {
                if (retry_on_fresh_connection(ex)) return;
                if (n < 0)
                    return fail(ex, fmt::format("the connection failed: {}", std::strerror(error)));
                if (!ex.parser->finish_at_eof()) return fail(ex, ex.parser->error());
                return complete(ex, false);
            }
            ex.received += static_cast<std::size_t>(n);
            std::size_t used =
                ex.parser->feed(std::string_view(buffer, static_cast<std::size_t>(n)));
            if (ex.parser->failed())
                return fail(ex, "malformed HTTP response: " + ex.parser->error());
            if (ex.parser->complete()) // bytes past the response: the connection is unusable
                return complete(ex, used == static_cast<std::size_t>(n) && ex.parser->keep_alive());
        }
    }

    void complete(Exchange& ex, bool reusable) {
        HttpResponse r;
        r.status = ex.parser->status();
        r.retry_after = ex.parser->retry_after();
        release(ex, reusable);
        finish(ex, std::move(r));
    }

    void expire(Exchange& ex, Clock::time_point now) {
        if (ex.phase == Exchange::Phase::Waiting) {
            auto& queue = origins[ex.origin].waiting;
            queue.erase(std::remove(queue.begin(), queue.end(), &ex), queue.end());
        }
        if (ex.phase == Exchange::Phase::Connecting && now >= ex.connect_deadline &&
            now < ex.deadline)
            return fail(ex,
                        fmt::format("cannot connect to {} port {} within {} ms", ex.url.host,
                                    ex.url.port, ms_between(ex.started, now)),
                        false, true);
        fail(ex,
             fmt::format("timed out after {} ms with {} bytes received",
                         ms_between(ex.started, now), ex.received),
             false, true);
    }

    void sweep() {
        std::erase_if(exchanges, [](const std::unique_ptr<Exchange>& ex) {
            return ex->phase == Exchange::Phase::Finished;
        });
    }
};

PlainHttpClient::PlainHttpClient(std::size_t max_connections_per_origin)
    : impl_(std::make_unique<Impl>()) {
    impl_->max_per_origin = std::max<std::size_t>(1, max_connections_per_origin);
}

PlainHttpClient::~PlainHttpClient() = default;

void PlainHttpClient::start(std::uint64_t ticket, HttpCall call) {
    auto url = parse_plain_http_url(call.url);
    if (!url) throw Error(ErrorKind::Provider, "not a plain http:// URL: " + call.url);
    auto ex = std::make_unique<Exchange>();
    ex->ticket = ticket;
    ex->url = std::move(*url);
    ex->origin = ex->url.host + ":" + ex->url.port;
    ex->request = build_request(ex->url, call);
    ex->on_data = std::move(call.on_data);
    ex->started = Clock::now();
    auto timeout = std::chrono::duration<double>(std::max(0.001, call.timeout_s));
    ex->deadline = ex->started + std::chrono::duration_cast<Clock::duration>(timeout);
    Exchange& ref = *ex;
    impl_->exchanges.push_back(std::move(ex));
    impl_->dispatch(ref);
}

std::chrono::milliseconds PlainHttpClient::arm(std::vector<pollfd>& fds) {
    impl_->sweep();
    impl_->armed.clear();
    impl_->first_armed = fds.size();
    auto wait = std::chrono::milliseconds::max();
    if (!impl_->finished.empty()) wait = std::chrono::milliseconds(0);
    auto now = Clock::now();
    for (auto& ex : impl_->exchanges) {
        auto deadline = ex->phase == Exchange::Phase::Connecting
                            ? std::min(ex->deadline, ex->connect_deadline)
                            : ex->deadline;
        wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(
                                  std::max(Clock::duration::zero(), deadline - now)));
        if (!ex->socket.valid() || ex->phase == Exchange::Phase::Waiting) continue;
        short events = ex->phase == Exchange::Phase::Receiving ? POLLIN : POLLOUT;
        fds.push_back({ex->socket.get(), events, 0});
        impl_->armed.push_back(ex.get());
    }
    return wait;
}

void PlainHttpClient::handle(const std::vector<pollfd>& fds, std::vector<HttpResponse>& done) {
    for (std::size_t i = 0; i < impl_->armed.size(); ++i) {
        std::size_t at = impl_->first_armed + i;
        if (at >= fds.size() || fds[at].revents == 0) continue;
        Exchange& ex = *impl_->armed[i];
        switch (ex.phase) {
        case Exchange::Phase::Connecting:
            impl_->on_connected(ex);
            break;
        case Exchange::Phase::Sending:
            impl_->send_some(ex);
            break;
        case Exchange::Phase::Receiving:
            impl_->receive_some(ex);
            break;
        default:
            break;
        }
    }
    impl_->armed.clear();
    auto now = Clock::now();
    for (auto& ex : impl_->exchanges) {
        if (ex->phase == Exchange::Phase::Finished) continue;
        bool expired = now >= ex->deadline ||
                       (ex->phase == Exchange::Phase::Connecting && now >= ex->connect_deadline);
        if (expired) impl_->expire(*ex, now);
    }
    for (auto& r : impl_->finished)
        done.push_back(std::move(r));
    impl_->finished.clear();
    impl_->sweep();
}

void PlainHttpClient::abort_all() {
    for (auto& [key, origin] : impl_->origins) {
        origin.waiting.clear();
        origin.busy = 0;
    }
    impl_->exchanges.clear(); // closes their connections: their state is unknown
    impl_->armed.clear();
    impl_->finished.clear();
}

std::size_t PlainHttpClient::in_flight() const {
    std::size_t n = impl_->finished.size();
    for (const auto& ex : impl_->exchanges)
        if (ex->phase != Exchange::Phase::Finished) ++n;
    return n;
}

} // namespace llmops::http
