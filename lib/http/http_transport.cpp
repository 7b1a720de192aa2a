#include "http/http_transport.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/header_redaction.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>
#include <mutex>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <unordered_map>

namespace llmops::http {

namespace {

using Clock = std::chrono::steady_clock;

// libcurl's process-wide state (TLS libraries), set up once before the first handle.
void initialise_curl() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK)
        throw Error(ErrorKind::Provider,
                    std::string("libcurl failed to initialise: ") + curl_easy_strerror(result));
}

struct Transfer {
    std::uint64_t ticket = 0;
    HttpCall call;
    curl_slist* header_list = nullptr;
    std::string body;
    std::optional<std::string> retry_after;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string credentials; // "access:secret" for SigV4, kept alive while libcurl uses it
    char error[CURL_ERROR_SIZE] = {};
    Clock::time_point started;

    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    ~Transfer() { curl_slist_free_all(header_list); }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    t->body.append(data, n);
    if (t->call.on_data) t->call.on_data(std::string_view(data, n));
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    std::string_view line(data, n);
    // A new status line (after 100 Continue) starts a fresh header set.
    if (line.starts_with("HTTP/")) {
        t->retry_after.reset();
        t->headers.clear();
        return n;
    }
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
        std::string name = ascii_lower(trim_blanks(line.substr(0, colon)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
            value.remove_suffix(1);
        t->headers.emplace_back(std::move(name), std::string(trim_blanks(value)));
    }
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size() && ascii_iequals(line.substr(0, kName.size()), kName)) {
        std::string_view value = line.substr(kName.size());
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
            value.remove_suffix(1);
        t->retry_after = std::string(trim_blanks(value));
    }
    return n;
}

// The endpoint cannot be reached at all: no name, no connection, or no TLS session with it
// (a certificate that does not verify will not verify on a retry either).
bool is_connect_failure(CURLcode code) {
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_SSL_CONNECT_ERROR ||
           code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
           code == CURLE_UNSUPPORTED_PROTOCOL;
}

} // namespace

// libcurl's socket interface, not curl_multi_perform/curl_multi_poll: those visit every
// transfer and every socket on each wake, so a gateway holding 1,000 slow calls spent O(n) per
// arriving request. Here an epoll set holds the sockets libcurl asks us to watch, and only the
// ones that are ready (or whose timer is due) are driven.
struct HttpTransport::Impl {
    CURLM* multi = nullptr;
    std::size_t max_connections = 1;
    HttpLog log;
    std::vector<CURL*> idle; // easy handles kept for reuse (their connections live in multi)
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
    int epoll_fd = -1;
    int wake_fd = -1; // an eventfd in the epoll set: wakeup() makes it readable
    std::optional<Clock::time_point> timer; // when libcurl wants CURL_SOCKET_TIMEOUT driven
    std::vector<epoll_event> ready = std::vector<epoll_event>(256);

    // The sockets in the epoll set, each with whether it is parked. A socket libcurl
    // stops watching (a keep-alive connection going idle) stays registered, parked, so that the
    // next request on it costs one epoll_ctl instead of a removal and an addition. A parked
    // socket that becomes ready (the server closed it) leaves the set then. Every change asks
    // the kernel (MOD, else ADD): libcurl closes some sockets without on_close (its resolver's),
    // and their number may since belong to a new socket.
    std::unordered_map<curl_socket_t, bool> watched;

    static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
        auto* self = static_cast<Impl*>(user);
        auto it = self->watched.find(fd);
        if (what == CURL_POLL_REMOVE) {
            if (it != self->watched.end()) it->second = true;
            return 0;
        }
        std::uint32_t events = 0;
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        int op = it == self->watched.end() ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        if (epoll_ctl(self->epoll_fd, op, fd, &ev) != 0 &&
            epoll_ctl(self->epoll_fd, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
                      &ev) != 0) {
            self->watched.erase(fd);
            return -1; // libcurl fails the transfer that owns the socket
        }
        self->watched[fd] = false;
        return 0;
    }

    // Closing a descriptor takes it out of the epoll set (libcurl never duplicates one).
    static int on_close(void* user, curl_socket_t fd) {
        static_cast<Impl*>(user)->watched.erase(fd);
        return ::close(fd);
    }

    static int on_timer(CURLM*, long timeout_ms, void* user) {
        auto* self = static_cast<Impl*>(user);
        if (timeout_ms < 0)
            self->timer.reset();
        else
            self->timer = Clock::now() + std::chrono::milliseconds(timeout_ms);
        return 0;
    }

    void drive(curl_socket_t fd, int events) {
        int running = 0;
        curl_multi_socket_action(multi, fd, events, &running);
    }

    void drive_timer_if_due() {
        if (timer && *timer <= Clock::now()) {
            timer.reset(); // libcurl sets it again if it still wants one
            drive(CURL_SOCKET_TIMEOUT, 0);
        }
    }

    // Waits for at most `wait` for a socket, the timer or wakeup(), and drives what is ready.
    // Returns how many events epoll reported.
    int wait_and_drive(std::chrono::milliseconds wait) {
        if (timer) {
            auto until = std::chrono::ceil<std::chrono::milliseconds>(
                std::max(*timer - Clock::now(), Clock::duration::zero()));
            wait = std::min(wait, until);
        }
        // Bounded so that it fits epoll_wait's int milliseconds.
        auto ms = static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 1 << 30));
        int n = epoll_wait(epoll_fd, ready.data(), static_cast<int>(ready.size()), ms);
        if (n < 0 && errno != EINTR)
            throw Error(ErrorKind::Provider,
                        std::string("waiting for HTTP answers failed: ") + std::strerror(errno));
        for (int i = 0; i < n; ++i) {
            const epoll_event& ev = ready[static_cast<std::size_t>(i)];
            if (ev.data.fd == wake_fd) {
                std::uint64_t count = 0;
                [[maybe_unused]] auto got = ::read(wake_fd, &count, sizeof count);
                continue;
            }
            auto it = watched.find(ev.data.fd);
            if (it == watched.end()) continue; // closed while earlier events were driven
            if (it->second) {                  // parked
                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, ev.data.fd, nullptr);
                watched.erase(it);
                continue;
            }
            int flags = 0;
            if (ev.events & (EPOLLIN | EPOLLHUP)) flags |= CURL_CSELECT_IN;
            if (ev.events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
            if (ev.events & EPOLLERR) flags |= CURL_CSELECT_ERR;
            drive(ev.data.fd, flags);
        }
        drive_timer_if_due();
        return std::max(n, 0);
    }

    CURL* take_easy() {
        if (!idle.empty()) {
            CURL* easy = idle.back();
            idle.pop_back();
            curl_easy_reset(easy);
            return easy;
        }
        CURL* easy = curl_easy_init();
        if (!easy)
            throw Error(ErrorKind::Provider, "cannot create an HTTP handle (out of memory?)");
        return easy;
    }

    void release(CURL* easy) {
        curl_multi_remove_handle(multi, easy);
        if (idle.size() < max_connections)
            idle.push_back(easy);
        else
            curl_easy_cleanup(easy);
    }

    void configure(CURL* e, Transfer& t) {
        curl_easy_setopt(e, CURLOPT_URL, t.call.url.c_str());
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        const std::string& method = t.call.method;
        if (method == "GET") {
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        } else if (method == "HEAD") {
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        } else {
            // PUT and DELETE send their body as POST fields under another verb, so that the
            // SigV4 signature covers the body libcurl hashes.
            curl_easy_setopt(e, CURLOPT_POST, 1L);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.call.body.data());
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(t.call.body.size()));
            if (method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
        }
        if (!t.call.aws_sigv4.empty()) {
            curl_easy_setopt(e, CURLOPT_AWS_SIGV4, t.call.aws_sigv4.c_str());
            curl_easy_setopt(e, CURLOPT_USERPWD, t.credentials.c_str());
        }
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
        auto timeout_ms = static_cast<long>(std::clamp(t.call.timeout_s * 1000, 1.0, 2e9));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); // no SIGALRM for DNS timeouts
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "llmops/" LLMOPS_VERSION);
        // No Accept-Encoding: servers that compress on request (the stub, many gateways)
        // cost more CPU than the bytes saved on the short answers of chat APIs.
    }

    void collect(std::vector<HttpResponse>& done) {
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* easy = msg->easy_handle;
            auto it = active.find(easy);
            if (it == active.end()) continue;
            Transfer& t = *it->second;
            HttpResponse r;
            r.ticket = t.ticket;
            CURLcode code = msg->data.result;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            r.status = static_cast<int>(status);
            if (code != CURLE_OK) {
                r.transport_ok = false;
                r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
                r.connect_failed = is_connect_failure(code);
                r.error = t.error[0] ? std::string(t.error) : curl_easy_strerror(code);
            }
            r.body = std::move(t.body);
            r.retry_after = std::move(t.retry_after);
            r.headers = std::move(t.headers);
            if (log) log_finished(r, t);
            done.push_back(std::move(r));
            active.erase(it);
            release(easy);
        }
    }

    void log_finished(const HttpResponse& r, const Transfer& t) const {
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t.started).count();
        log(fmt::format("<- {} {} in {:.1f} ms{}", r.status, t.call.url, ms,
                        r.transport_ok ? "" : " (" + r.error + ")"));
    }
};

HttpTransport::HttpTransport(std::size_t max_connections, HttpLog log)
    : impl_(std::make_unique<Impl>()) {
    initialise_curl();
    impl_->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    impl_->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    impl_->multi = curl_multi_init();
    if (impl_->epoll_fd < 0 || impl_->wake_fd < 0 || !impl_->multi) {
        if (impl_->multi) curl_multi_cleanup(impl_->multi);
        if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
        if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
        throw Error(ErrorKind::Provider, "cannot create the HTTP client");
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = impl_->wake_fd;
    epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, impl_->wake_fd, &wake);
    curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
    curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
    impl_->max_connections = std::max<std::size_t>(1, max_connections);
    impl_->log = std::move(log);
    auto n = static_cast<long>(impl_->max_connections);
    curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, n);
}

HttpTransport::~HttpTransport() {
    abort_all();
    for (CURL* easy : impl_->idle)
        curl_easy_cleanup(easy);
    curl_multi_cleanup(impl_->multi); // may still tell on_socket to forget sockets
    ::close(impl_->epoll_fd);
    ::close(impl_->wake_fd);
}

void HttpTransport::start(std::uint64_t ticket, HttpCall call) {
    auto t = std::make_unique<Transfer>();
    t->ticket = ticket;
    t->call = std::move(call);
    t->started = Clock::now();
    if (!t->call.aws_sigv4.empty())
        t->credentials = t->call.aws_access_key + ":" + t->call.aws_secret_key;
    for (const auto& [name, value] : t->call.headers) {
        curl_slist* grown = curl_slist_append(t->header_list, (name + ": " + value).c_str());
        if (!grown) throw Error(ErrorKind::Provider, "cannot build the request headers");
        t->header_list = grown;
    }
    // No 100-continue round trip for large bodies.
    if (curl_slist* grown = curl_slist_append(t->header_list, "Expect:")) t->header_list = grown;
    if (impl_->log) {
        std::string line = "-> " + t->call.method + " " + t->call.url;
        for (const auto& [name, value] : t->call.headers)
            line += "\n   " + redacted_header_line(name, value);
        impl_->log(line);
    }

    CURL* e = impl_->take_easy();
    impl_->configure(e, *t);
    CURLMcode rc = curl_multi_add_handle(impl_->multi, e);
    if (rc != CURLM_OK) {
        impl_->release(e);
        throw Error(ErrorKind::Provider,
                    std::string("cannot start an HTTP request: ") + curl_multi_strerror(rc));
    }
    impl_->active.emplace(e, std::move(t));
}

void HttpTransport::poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait) {
    std::size_t before = done.size();
    impl_->drive_timer_if_due(); // new transfers start here (libcurl set a timer of 0)
    impl_->collect(done);
    if (done.size() > before) return;
    impl_->wait_and_drive(max_wait);
    impl_->collect(done);
}

int HttpTransport::event_fd() const {
    return impl_->epoll_fd;
}

std::optional<std::chrono::steady_clock::time_point> HttpTransport::next_timer() const {
    return impl_->timer;
}

bool HttpTransport::drive_ready(std::vector<HttpResponse>& done) {
    impl_->drive_timer_if_due();
    // Again only while epoll filled the whole batch. A socket libcurl did not read to the end
    // needs no second look here: libcurl then asks for its timer at once (due now), and an
    // event that arrives after this wait is a new edge on event_fd() for the owner's loop.
    bool more = true;
    for (int round = 0; round < 16 && more; ++round)
        more = static_cast<std::size_t>(impl_->wait_and_drive(std::chrono::milliseconds(0))) ==
               impl_->ready.size();
    impl_->collect(done);
    return more;
}

void HttpTransport::drive_timer(std::vector<HttpResponse>& done) {
    impl_->drive_timer_if_due();
    impl_->collect(done);
}

void HttpTransport::abort_all() {
    // Removing a transfer in progress closes its connection: its state is unknown.
    for (auto& [easy, t] : impl_->active)
        impl_->release(easy);
    impl_->active.clear();
}

std::size_t HttpTransport::in_flight() const {
    return impl_->active.size();
}

void HttpTransport::wakeup() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto put = ::write(impl_->wake_fd, &one, sizeof one);
}

} // namespace llmops::http
