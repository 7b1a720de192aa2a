// The HTTP layer under the providers: the response parser, HTTP dates, URLs, and the
// transport (our plain client, and libcurl behind LLMOPS_HTTP_CLIENT=curl) against a scripted
// TCP server on 127.0.0.1 that misbehaves in the ways real servers do.
#include "http/http_date.hpp"
#include "http/http_response_parser.hpp"
#include "http/http_transport.hpp"
#include "http/plain_http_client.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace llmops::http;
using namespace std::chrono_literals;

namespace {

struct Parsed {
    std::string body;
    HttpResponseParser parser{[this](std::string_view b) { body.append(b); }};
};

// Feeds `text` one byte at a time: every split point must give the same result.
std::size_t feed_bytewise(Parsed& p, std::string_view text) {
    std::size_t used = 0;
    for (char c : text) {
        if (p.parser.complete() || p.parser.failed()) break;
        used += p.parser.feed(std::string_view(&c, 1));
    }
    return used;
}

} // namespace

TEST_CASE("HTTP response parser: Content-Length, split anywhere", "[http]") {
    const std::string text =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nRetry-After: 7 \r\n\r\nhelloEXTRA";
    Parsed whole;
    CHECK(whole.parser.feed(text) == text.size() - 5); // EXTRA is not this response's
    CHECK(whole.parser.complete());
    CHECK(whole.body == "hello");
    CHECK(whole.parser.status() == 200);
    CHECK(whole.parser.retry_after() == "7");
    CHECK(whole.parser.keep_alive());
    Parsed bytewise;
    CHECK(feed_bytewise(bytewise, text) == text.size() - 5);
    CHECK(bytewise.body == "hello");
}

TEST_CASE("HTTP response parser: chunked with extensions and trailers, 1xx skipped", "[http]") {
    const std::string text = "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 429 Too Many\r\nTransfer-Encoding: gzip, chunked\r\n"
                             "Content-Length: 99\r\n\r\n"
                             "4;name=v\r\ndata\r\nA\r\n: one two\n\r\n0\r\nX-Trailer: t\r\n\r\n";
    for (bool bytewise : {false, true}) {
        Parsed p;
        std::size_t used = bytewise ? feed_bytewise(p, text) : p.parser.feed(text);
        CHECK(used == text.size());
        CHECK(p.parser.complete());
        CHECK(p.parser.status() == 429);
        CHECK(p.body == "data: one two\n");
    }
}

TEST_CASE("HTTP response parser: framing and connection reuse rules", "[http]") {
    Parsed no_content;
    no_content.parser.feed("HTTP/1.1 204 No Content\r\n\r\n");
    CHECK(no_content.parser.complete());

    Parsed until_close; // no length, not chunked: the body ends with the connection
    until_close.parser.feed("HTTP/1.1 200 OK\r\n\r\npart one, ");
    until_close.parser.feed("part two");
    CHECK_FALSE(until_close.parser.complete());
    CHECK(until_close.parser.finish_at_eof());
    CHECK(until_close.body == "part one, part two");
    CHECK_FALSE(until_close.parser.keep_alive());

    Parsed close;
    close.parser.feed("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n");
    CHECK(close.parser.complete());
    CHECK_FALSE(close.parser.keep_alive());

    Parsed old;
    old.parser.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    CHECK_FALSE(old.parser.keep_alive());
    Parsed old_kept;
    old_kept.parser.feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    CHECK(old_kept.parser.keep_alive());
}

TEST_CASE("HTTP response parser: malformed and truncated responses", "[http]") {
    auto error_of = [](std::string_view text, bool eof) {
        Parsed p;
        p.parser.feed(text);
        if (eof && !p.parser.failed()) p.parser.finish_at_eof();
        REQUIRE(p.parser.failed());
        return p.parser.error();
    };
    CHECK_THAT(error_of("SSH-2.0-OpenSSH\r\n", false), Catch::Contains("status line"));
    CHECK_THAT(error_of("HTTP/1.1 2x0 OK\r\n", false), Catch::Contains("status code"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false),
               Catch::Contains("Content-Length"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false),
               Catch::Contains("Content-Length"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false),
               Catch::Contains("header"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false),
               Catch::Contains("chunk size"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", false),
               Catch::Contains("longer than its size"));
    CHECK_THAT(error_of("", true), Catch::Contains("without a response"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nContent-", true), Catch::Contains("head"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", true),
               Catch::Contains("body"));
    CHECK_THAT(error_of("HTTP/1.1 200 OK\r\nX: " + std::string(300 * 1024, 'a'), false),
               Catch::Contains("256 KiB"));
}

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

TEST_CASE("plain http:// URLs", "[http]") {
    auto u = parse_plain_http_url("http://127.0.0.1:8080/v1/chat/completions?x=1#frag");
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == "8080");
    CHECK(u->target == "/v1/chat/completions?x=1");
    CHECK(u->host_header == "127.0.0.1:8080");
    auto v6 = parse_plain_http_url("HTTP://[::1]:11434");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->target == "/");
    auto bare = parse_plain_http_url("http://localhost?q");
    REQUIRE(bare);
    CHECK(bare->port == "80");
    CHECK(bare->target == "/?q");
    CHECK_FALSE(parse_plain_http_url("https://api.openai.com/v1"));
    CHECK_FALSE(parse_plain_http_url("http://user:pw@host/"));
    CHECK_FALSE(parse_plain_http_url("http://host:0/"));
    CHECK_FALSE(parse_plain_http_url("http://host:99999/"));
    CHECK_FALSE(parse_plain_http_url("http://:80/"));
    CHECK_FALSE(parse_plain_http_url("http://[::1/"));
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
    };
    using Script = std::function<Answer(int connection, int request)>;

    explicit ScriptedServer(Script script) : script_(std::move(script)) {
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
            if (a.bytes.empty()) { // silent: wait until the client hangs up
                while (::recv(fd, buf, sizeof buf, 0) > 0)
                    ;
                return finish(fd);
            }
            ::send(fd, a.bytes.data(), a.bytes.size(), MSG_NOSIGNAL);
            if (a.close_after) return finish(fd);
        }
    }

    static std::size_t content_length(const std::string& head) {
        auto at = head.find("Content-Length: ");
        return at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    }

    void finish(int fd) {
        --concurrent_;
        ::shutdown(fd, SHUT_RDWR);
    }

    Script script_;
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

struct ClientChoice {
    explicit ClientChoice(const char* name) { ::setenv("LLMOPS_HTTP_CLIENT", name, 1); }
    ~ClientChoice() { ::unsetenv("LLMOPS_HTTP_CLIENT"); }
};

} // namespace

TEST_CASE("transport: keep-alive reuse, and a connection the server closed is replaced",
          "[http][provider]") {
    for (const char* client : {"builtin", "curl"}) {
        ClientChoice choice(client);
        INFO(client);
        // The first connection answers once then hangs up without saying so.
        ScriptedServer server([](int connection, int request) {
            return ScriptedServer::Answer{
                ok("c" + std::to_string(connection) + "r" + std::to_string(request)),
                connection == 0};
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
        CHECK_THAT(request, Catch::EndsWith("{\"n\":2}"));
    }
}

TEST_CASE("transport: chunked streaming, Retry-After and error statuses", "[http][provider]") {
    for (const char* client : {"builtin", "curl"}) {
        ClientChoice choice(client);
        INFO(client);
        ScriptedServer server([](int, int request) {
            if (request == 0)
                return ScriptedServer::Answer{"HTTP/1.1 429 Slow down\r\nRetry-After: 3\r\n"
                                              "Content-Length: 4\r\n\r\nbusy"};
            return ScriptedServer::Answer{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "6\r\ndata: \r\n3\r\nabc\r\n0\r\n\r\n"};
        });
        HttpTransport t(1);
        std::string streamed;
        auto done =
            post_all(t, server.url(), 2, 5, true, [&](std::string_view b) { streamed.append(b); });
        CHECK(done[0].status == 429);
        CHECK(done[0].retry_after == "3");
        CHECK(done[0].body == "busy");
        CHECK(done[1].status == 200);
        CHECK(done[1].body == "data: abc");
        CHECK_FALSE(done[1].retry_after);
        CHECK(streamed == "busydata: abc");
    }
}

TEST_CASE("transport: timeouts, refused connections, cut-off answers", "[http][provider]") {
    for (const char* client : {"builtin", "curl"}) {
        ClientChoice choice(client);
        INFO(client);
        ScriptedServer silent([](int, int) { return ScriptedServer::Answer{}; });
        HttpTransport t(2);
        auto start = std::chrono::steady_clock::now();
        auto timed_out = post_all(t, silent.url(), 1, 0.3);
        CHECK(std::chrono::steady_clock::now() - start >= 250ms);
        CHECK_FALSE(timed_out[0].transport_ok);
        CHECK(timed_out[0].timed_out);
        CHECK_FALSE(timed_out[0].connect_failed);

        auto refused = post_all(t, "http://127.0.0.1:9/v1", 1);
        CHECK_FALSE(refused[0].transport_ok);
        CHECK(refused[0].connect_failed);
        CHECK_THAT(refused[0].error, Catch::Contains("onnect"));

        ScriptedServer cut([](int, int) {
            return ScriptedServer::Answer{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
                                          true};
        });
        auto truncated = post_all(t, cut.url(), 1);
        CHECK_FALSE(truncated[0].transport_ok);
        CHECK_FALSE(truncated[0].timed_out);
    }
}

TEST_CASE("transport: the connection limit queues requests; wakeup ends a wait",
          "[http][provider]") {
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

    std::vector<HttpResponse> none;
    auto start = std::chrono::steady_clock::now();
    std::thread waker([&] {
        std::this_thread::sleep_for(50ms);
        t.wakeup();
    });
    t.poll(none, 5000ms);
    waker.join();
    CHECK(std::chrono::steady_clock::now() - start < 4000ms);
    CHECK(none.empty());
}

TEST_CASE("transport: large bodies go out in pieces; localhost tries each address",
          "[http][provider]") {
    ScriptedServer server([](int, int) { return ScriptedServer::Answer{ok("got it")}; });
    HttpTransport t(1);
    std::string big(3 * 1024 * 1024, 'x'); // more than a socket buffer takes at once
    t.start(1, HttpCall{server.url(), {}, big, 10, {}});
    std::vector<HttpResponse> done;
    for (int i = 0; i < 400 && done.empty(); ++i)
        t.poll(done, 50ms);
    REQUIRE(done.size() == 1);
    CHECK(done[0].body == "got it");
    CHECK(server.last_request().size() > big.size());
    CHECK_THAT(server.last_request(), Catch::EndsWith("xxxx"));

    // localhost may resolve to ::1 first, where nothing listens: 127.0.0.1 must still answer.
    std::string via_name = server.url();
    via_name.replace(via_name.find("127.0.0.1"), 9, "localhost");
    auto named = post_all(t, via_name, 1);
    CHECK(named[0].transport_ok);
    CHECK(named[0].body == "got it");
}

TEST_CASE("transport: LLMOPS_HTTP_CLIENT must name a client", "[http]") {
    ClientChoice choice("wget");
    CHECK_THROWS_WITH(HttpTransport(1), Catch::Contains("builtin or curl"));
}
