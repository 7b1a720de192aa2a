#pragma once
// Every outbound HTTP request, http:// and https:// alike, goes through libcurl: one multi
// handle per transport carries many POSTs at once on the caller's thread, connections are
// kept alive and reused (a connection the server closed is replaced, and a request it
// dropped unanswered is sent once more on a fresh one), TCP_NODELAY is on, each request has
// its own deadline, and proxies from the environment are honoured (libcurl reads http_proxy,
// https_proxy, all_proxy and no_proxy itself).
// Not thread-safe except wakeup(); the loop that owns it (the batch runner's, a gateway
// upstream worker's, or a gateway I/O thread's) drives it.
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

struct HttpCall {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    double timeout_s = 60;
    // Called with each block of the response body as it arrives (streaming); optional.
    std::function<void(std::string_view)> on_data;
    // POST (the providers), or GET, HEAD, PUT, DELETE (object storage). After the fields
    // above so that their aggregate initialisers keep their meaning.
    std::string method = "POST";
    // Signs the request with AWS Signature V4 (libcurl's CURLOPT_AWS_SIGV4) when not empty:
    // the provider string ("aws:amz:REGION:s3") and the key pair, which never reach a log.
    std::string aws_sigv4;
    std::string aws_access_key;
    std::string aws_secret_key;
};

struct HttpResponse {
    std::uint64_t ticket = 0;
    bool transport_ok = true; // false: no complete HTTP response (see error, timed_out)
    bool timed_out = false;
    bool connect_failed = false; // could not resolve the host or connect
    std::string error;           // what went wrong when !transport_ok
    int status = 0;
    std::string body;
    std::optional<std::string> retry_after; // the Retry-After header, as sent
    // Every response header, names in lowercase, in the order received (the last response's
    // when there were several, as after 100 Continue).
    std::vector<std::pair<std::string, std::string>> headers;
};

// Verbose logging: one line per call. Credentials never reach it (headers are redacted).
using HttpLog = std::function<void(std::string_view line)>;

class HttpTransport {
  public:
    // At most max_connections connections to one host at once (and kept alive afterwards);
    // requests beyond that wait inside the transport for a connection to come free.
    explicit HttpTransport(std::size_t max_connections, HttpLog log = {});
    ~HttpTransport();
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    void start(std::uint64_t ticket, HttpCall call);
    // Drives transfers for at most max_wait (less when something finishes or wakeup() is
    // called) and appends the finished ones to `done`.
    void poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait);
    // For an owner that waits for events itself (a gateway I/O thread, through its event
    // loop): event_fd() becomes readable when a socket needs driving, and next_timer() is when
    // libcurl's timer is due. drive_ready() drives, without waiting, the sockets epoll reports
    // ready and the timer if due, and appends the finished transfers to `done`; it returns true
    // when it stopped with more reported than it took (call it again soon). What becomes ready
    // later makes event_fd() readable again.
    int event_fd() const;
    std::optional<std::chrono::steady_clock::time_point> next_timer() const;
    bool drive_ready(std::vector<HttpResponse>& done);
    // Only libcurl's timer, if due (where a transfer just started sends its request), and the
    // finished transfers: no look at the sockets, whose events reach event_fd() anyway.
    void drive_timer(std::vector<HttpResponse>& done);
    // Stops every transfer; they are not reported.
    void abort_all();
    std::size_t in_flight() const;
    // Makes a poll() in another thread return early.
    void wakeup();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace llmops::http
