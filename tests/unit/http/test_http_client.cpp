// The HTTP layer under the providers: HTTP dates, and the libcurl transport against a
// scripted TCP server on 127.0.0.1 that misbehaves in the ways real servers do.
#include "http/http_date.hpp"
#include "http/http_transport.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace llmops::http;
using namespace std::chrono_literals;

TEST_CASE("HTTP dates in their three forms", "[http]") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
    CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
    CHECK(parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT") == 1835438400);
    CHECK(parse_http_date("Monday, 01-Mar-21 00:00:00 GMT") == 1614556800); // 2021, not 1921
    CHECK_FALSE(parse_http_date("Thu, 29 Feb 2027 12:00:00 GMT"));          // no such day
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"));
    CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 GMT"));
    CHECK_FALSE(parse_http_date("06 Nov 1994 08:49:37 GMT")); // the weekday is part of the form
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT GMT"));
}

namespace {

// A TCP server on 127.0.0.1 that answers each request with what `script` returns for
// (connection number, request number on that connection). An empty answer means: say
// nothing and wait for the client to go away.
class ScriptedServer {
  public:
    struct Answer {
        std::string bytes;
        bool close_after = false;
        bool hang_up = false; // close the connection without answering
        // Sent after `bytes`, one at a time with a pause between: a stream in pieces.
        std::vector<std::string> later{};
    };
    using Script = std::function<Answer(int connection, int request)>;

    // `greeting`: bytes sent as soon as a connection is accepted, before any request.
    explicit ScriptedServer(Script script, std::string greeting = {})
        : script_(std::move(script)), greeting_(std::move(greeting)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        REQUIRE(::listen(listener_, 64) == 0);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~ScriptedServer() {
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        ::close(listener_);
        std::lock_guard lock(mutex_);
        for (int fd : open_)
            ::shutdown(fd, SHUT_RDWR);
        for (auto& t : workers_)
            t.join();
        for (int fd : open_)
            ::close(fd);
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/x"; }
    int connections() const { return accepted_; }
    int max_concurrent() const { return max_concurrent_; }
    std::string last_request() {
        std::lock_guard lock(mutex_);
        return last_request_;
    }

  private:
    void accept_loop() {
        for (int n = 0;; ++n) {
            int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) return;
            ++accepted_;
            std::lock_guard lock(mutex_);
            open_.push_back(fd);
            workers_.emplace_back([this, fd, n] { serve(fd, n); });
        }
    }

    void serve(int fd, int connection) {
        if (!greeting_.empty()) ::send(fd, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
        int now = ++concurrent_;
        for (int seen = max_concurrent_;
             now > seen && !max_concurrent_.compare_exchange_weak(seen, now);)
            ;
        std::string in;
        char buf[4096];
        for (int request = 0;; ++request) {
            std::size_t end;
            while ((end = in.find("\r\n\r\n")) == std::string::npos ||
                   in.size() < end + 4 + content_length(in)) {
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) return finish(fd);
                in.append(buf, static_cast<std::size_t>(n));
            }
            std::size_t size = end + 4 + content_length(in);
            {
                std::lock_guard lock(mutex_);
                last_request_ = in.substr(0, size);
            }
            in.erase(0, size);
            Answer a = script_(connection, request);
            if (a.hang_up) return finish(fd);
            if (a.bytes.empty()) { // silent: wait until the client hangs up
                while (::recv(fd, buf, sizeof buf, 0) > 0)
                    ;
                return finish(fd);
            }
            ::send(fd, a.bytes.data(), a.bytes.size(), MSG_NOSIGNAL);
            for (const std::string& piece : a.later) {
                std::this_thread::sleep_for(30ms);
                ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
            }
            if (a.close_after) return finish(fd);
        }
    }

    // From the head only (up to the blank line), without copying the body it is read with.
    static std::size_t content_length(const std::string& in) {
        std::string_view head(in.data(), std::min(in.size(), in.find("\r\n\r\n")));
        auto at = head.find("Content-Length: ");
        if (at == std::string_view::npos) return 0;
        std::size_t n = 0;
        for (std::size_t i = at + 16; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i)
            n = n * 10 + static_cast<std::size_t>(head[i] - '0');
        return n;
    }

    void finish(int fd) {
        --concurrent_;
        ::shutdown(fd, SHUT_RDWR);
    }

    Script script_;
    std::string greeting_;
    int listener_ = -1;
    int port_ = 0;
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
    std::vector<int> open_;
    std::string last_request_;
    std::atomic<int> accepted_{0}, concurrent_{0}, max_concurrent_{0};
};

std::string ok(std::string_view body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
}

// Runs `n` POSTs through one transport and waits for all of them.
std::vector<HttpResponse> post_all(HttpTransport& t, const std::string& url, int n,
                                   double timeout_s = 5, bool sequential = false,
                                   std::function<void(std::string_view)> on_data = {}) {
    std::vector<HttpResponse> done;
    auto give_up = std::chrono::steady_clock::now() + 20s;
    int started = 0;
    while (static_cast<int>(done.size()) < n && std::chrono::steady_clock::now() < give_up) {
        while (started < n && (!sequential || t.in_flight() == 0)) {
            HttpCall call{url,
                          {{"Content-Type", "application/json"}},
                          "{\"n\":" + std::to_string(started) + "}",
                          timeout_s,
                          on_data};
            t.start(static_cast<std::uint64_t>(started++), std::move(call));
        }
        t.poll(done, 50ms);
    }
    REQUIRE(static_cast<int>(done.size()) == n);
    return done;
}

} // namespace

TEST_CASE("transport: keep-alive reuse, and a connection the server closed is replaced",
          "[http][provider]") {
    // The first connection answers once then hangs up without saying so.
    ScriptedServer server([](int connection, int request) {
        return ScriptedServer::Answer{
            ok("c" + std::to_string(connection) + "r" + std::to_string(request)), connection == 0};
    });
    HttpTransport t(4);
    auto first = post_all(t, server.url(), 1);
    CHECK(first[0].body == "c0r0");
    std::this_thread::sleep_for(50ms); // let the close arrive
    auto rest = post_all(t, server.url(), 3, 5, true);
    for (const auto& r : rest) {
        CHECK(r.transport_ok);
        CHECK(r.status == 200);
    }
    CHECK(rest[0].body == "c1r0");
    CHECK(rest[2].body == "c1r2"); // kept alive
    CHECK(server.connections() == 2);
    std::string request = server.last_request();
    CHECK_THAT(request, Catch::StartsWith("POST /v1/x HTTP/1.1\r\n"));
    CHECK_THAT(request, Catch::Contains("Content-Type: application/json\r\n"));
    CHECK_THAT(request, Catch::Contains("User-Agent: llmops/"));
    CHECK_THAT(request, !Catch::Contains("Expect:"));
    CHECK_THAT(request, !Catch::Contains("Accept-Encoding"));
    CHECK_THAT(request, Catch::EndsWith("{\"n\":2}"));
}

TEST_CASE("transport: sixty transfers at once, three times over the kept connections",
          "[http][provider]") {
    // Later rounds run on the sockets earlier ones left idle (parked in the epoll set): a socket
    // that was not armed again would leave its transfer waiting until its timeout.
    ScriptedServer server([](int, int) { return ScriptedServer::Answer{ok("fine")}; });
    // Sixty: under the scripted server's listen backlog, so no connection waits for a SYN again.
    HttpTransport t(60);
    for (int round = 0; round < 3; ++round) {
        auto done = post_all(t, server.url(), 60);
        std::set<std::uint64_t> tickets;
        for (const auto& r : done) {
            CHECK(r.transport_ok);
            CHECK(r.status == 200);
            CHECK(r.body == "fine");
            tickets.insert(r.ticket);
        }
        CHECK(tickets.size() == 60);
    }
    CHECK(server.connections() <= 60);
}

TEST_CASE("transport: a GET sends no body, and the connection serves a POST after it",
          "[http][provider]") {
    ScriptedServer server([](int, int request) {
        return ScriptedServer::Answer{ok(request == 0 ? "got" : "posted")};
    });
    HttpTransport t(1);
    HttpCall get;
    get.method = "GET";
    get.url = server.url() + "?limit=5";
    get.body = "ignored";
    t.start(1, std::move(get));
    std::vector<HttpResponse> done;
    auto give_up = std::chrono::steady_clock::now() + 20s;
    while (done.empty() && std::chrono::steady_clock::now() < give_up)
        t.poll(done, 50ms);
    REQUIRE(done.size() == 1);
    CHECK(done[0].body == "got");
    std::string request = server.last_request();
    CHECK_THAT(request, Catch::StartsWith("GET /v1/x?limit=5 HTTP/1.1\r\n"));
    CHECK_THAT(request, !Catch::Contains("Content-Length"));
    CHECK_THAT(request, !Catch::Contains("ignored"));
    auto post = post_all(t, server.url(), 1);
    CHECK(post[0].body == "posted");
    CHECK_THAT(server.last_request(), Catch::StartsWith("POST /v1/x HTTP/1.1\r\n"));
    CHECK(server.connections() == 1); // the handle was reset, not the connection
}

TEST_CASE("transport: a request dropped unanswered on a kept-alive connection is sent again",
          "[http][provider]") {
    // Connection 0 answers its first request and hangs up on the second without a word, as a
    // server closing an idle connection just as the request arrives does.
    ScriptedServer server([](int connection, int request) {
        ScriptedServer::Answer a{
            ok("c" + std::to_string(connection) + "r" + std::to_string(request))};
        a.hang_up = connection == 0 && request == 1;
        return a;
    });
    HttpTransport t(1);
    auto done = post_all(t, server.url(), 2, 5, true);
    CHECK(done[0].body == "c0r0");
    CHECK(done[1].transport_ok);
    CHECK(done[1].body == "c1r0");
    CHECK(server.connections() == 2);
}

TEST_CASE("transport: chunked streaming, Retry-After and error statuses", "[http][provider]") {
    ScriptedServer server([](int, int request) {
        if (request == 0)
            return ScriptedServer::Answer{"HTTP/1.1 429 Slow down\r\nRetry-After: 3\r\n"
                                          "Content-Length: 4\r\n\r\nbusy"};
        ScriptedServer::Answer a{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "6\r\ndata: \r\n"};
        a.later = {"3\r\nabc\r\n", "0\r\n\r\n"};
        return a;
    });
    HttpTransport t(1);
    std::vector<std::string> pieces;
    auto done =
        post_all(t, server.url(), 2, 5, true, [&](std::string_view b) { pieces.emplace_back(b); });
    CHECK(done[0].status == 429);
    CHECK(done[0].retry_after == "3");
    CHECK(done[0].body == "busy");
    CHECK(done[0].transport_ok); // an error status is an answer, not a transport failure
    CHECK(done[1].status == 200);
    CHECK(done[1].body == "data: abc");
    CHECK_FALSE(done[1].retry_after);
    // Handed on as it arrived, not at the end: "data: " came before "abc" was sent.
    REQUIRE(pieces.size() >= 3);
    CHECK(pieces[0] == "busy");
    CHECK(pieces[1] == "data: ");
    std::string streamed;
    for (const auto& p : pieces)
        streamed += p;
    CHECK(streamed == "busydata: abc");
}

TEST_CASE("transport: timeouts, refused connections, cut-off answers", "[http][provider]") {
    ScriptedServer silent([](int, int) { return ScriptedServer::Answer{}; });
    HttpTransport t(2);
    auto start = std::chrono::steady_clock::now();
    auto timed_out = post_all(t, silent.url(), 1, 0.3);
    CHECK(std::chrono::steady_clock::now() - start >= 250ms); // a lower bound only
    CHECK_FALSE(timed_out[0].transport_ok);
    CHECK(timed_out[0].timed_out);
    CHECK_FALSE(timed_out[0].connect_failed);

    auto refused = post_all(t, "http://127.0.0.1:9/v1", 1);
    CHECK_FALSE(refused[0].transport_ok);
    CHECK(refused[0].connect_failed);
    CHECK_FALSE(refused[0].timed_out);
    CHECK_THAT(refused[0].error, Catch::Contains("onnect"));

    ScriptedServer cut([](int, int) {
        return ScriptedServer::Answer{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", true};
    });
    auto truncated = post_all(t, cut.url(), 1);
    CHECK_FALSE(truncated[0].transport_ok);
    CHECK_FALSE(truncated[0].timed_out);
    CHECK_FALSE(truncated[0].connect_failed);
    CHECK(truncated[0].status == 200);
    CHECK(truncated[0].body == "short");
}

TEST_CASE("transport: only http and https are spoken", "[http][provider]") {
    HttpTransport t(1);
    auto done = post_all(t, "file:///etc/hostname", 1);
    CHECK_FALSE(done[0].transport_ok);
    CHECK(done[0].connect_failed);
    CHECK(done[0].body.empty());
    CHECK_FALSE(done[0].error.empty());
}

TEST_CASE("transport: https:// goes through TLS, and a server without it is unreachable",
          "[http][provider]") {
    // A plain HTTP server that talks first: its answer is no TLS ServerHello.
    ScriptedServer plain([](int, int) { return ScriptedServer::Answer{}; },
                         "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    std::string url = plain.url();
    url.replace(0, 4, "https");
    HttpTransport t(1);
    auto done = post_all(t, url, 1, 5);
    CHECK_FALSE(done[0].transport_ok);
    CHECK(done[0].connect_failed);
    CHECK_FALSE(done[0].timed_out);
    CHECK(done[0].status == 0); // no HTTP answer was read as one
    CHECK_FALSE(done[0].error.empty());
}

TEST_CASE("transport: the connection limit queues requests", "[http][provider]") {
    ScriptedServer server([](int, int) {
        std::this_thread::sleep_for(20ms);
        return ScriptedServer::Answer{ok("fine")};
    });
    HttpTransport t(2);
    auto done = post_all(t, server.url(), 9);
    for (const auto& r : done)
        CHECK(r.body == "fine");
    CHECK(server.max_concurrent() <= 2);
    CHECK(server.connections() <= 2);
}

TEST_CASE("transport: wakeup ends a wait early", "[http][provider]") {
    HttpTransport t(1);
    std::vector<HttpResponse> none;
    auto start = std::chrono::steady_clock::now();
    std::thread waker([&] {
        std::this_thread::sleep_for(50ms);
        t.wakeup();
    });
    t.poll(none, 30000ms);
    waker.join();
    // Without the wakeup the poll lasts 30 s; anything well short of that shows it worked.
    CHECK(std::chrono::steady_clock::now() - start < 20000ms);
    CHECK(none.empty());
}

TEST_CASE("transport: a 3 MiB body goes out whole", "[http][provider]") {
    ScriptedServer server([](int, int) { return ScriptedServer::Answer{ok("got it")}; });
    HttpTransport t(1);
    std::string big(3 * 1024 * 1024, 'x'); // more than a socket buffer takes at once
    t.start(1, HttpCall{server.url(), {}, big, 10, {}});
    std::vector<HttpResponse> done;
    for (int i = 0; i < 400 && done.empty(); ++i)
        t.poll(done, 50ms);
    REQUIRE(done.size() == 1);
    INFO(done[0].error);
    CHECK(done[0].transport_ok);
    CHECK(done[0].body == "got it");
    CHECK(server.last_request().size() > big.size());
    CHECK_THAT(server.last_request(), Catch::Contains("Content-Length: 3145728\r\n"));
    CHECK_THAT(server.last_request(), Catch::EndsWith("xxxx"));
}

TEST_CASE("transport: localhost answers whichever of its addresses listens", "[http][provider]") {
    // localhost may resolve to ::1 first, where nothing listens: 127.0.0.1 must still answer.
    ScriptedServer server([](int, int) { return ScriptedServer::Answer{ok("got it")}; });
    HttpTransport t(1);
    std::string via_name = server.url();
    via_name.replace(via_name.find("127.0.0.1"), 9, "localhost");
    auto named = post_all(t, via_name, 1);
    CHECK(named[0].transport_ok);
    CHECK(named[0].body == "got it");
}

TEST_CASE("transport: the verbose log never shows a secret header", "[http][provider]") {
    ScriptedServer server([](int, int) { return ScriptedServer::Answer{ok("fine")}; });
    std::vector<std::string> lines;
    HttpTransport t(1, [&](std::string_view line) { lines.emplace_back(line); });
    t.start(7, HttpCall{server.url(),
                        {{"Authorization", "Bearer sk-very-secret"}, {"X-Trace", "visible"}},
                        "{}",
                        5,
                        {}});
    std::vector<HttpResponse> done;
    for (int i = 0; i < 200 && done.empty(); ++i)
        t.poll(done, 50ms);
    REQUIRE(done.size() == 1);
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[0], Catch::StartsWith("-> POST " + server.url()));
    CHECK_THAT(lines[0], Catch::Contains("Authorization: [REDACTED]"));
    CHECK_THAT(lines[0], Catch::Contains("X-Trace: visible"));
    CHECK_THAT(lines[0], !Catch::Contains("sk-very-secret"));
    CHECK_THAT(lines[1], Catch::StartsWith("<- 200 " + server.url()));
    CHECK_THAT(server.last_request(), Catch::Contains("Authorization: Bearer sk-very-secret"));
}
