#pragma once
// HTTP/1.1 POSTs over plain TCP for http:// endpoints (local model servers, gateways, the
// stub): many in flight on one thread with poll(2), keep-alive connections pooled per origin,
// a deadline per request. Written here rather than taken from a package: libcurl costs ~6 MiB
// of resident memory for TLS and friends a plain connection never uses (curl_library.hpp),
// and cpp-httplib's client blocks a thread per request and links OpenSSL.
#include "http/http_transport.hpp"

#include <poll.h>

namespace llmops::http {

struct PlainHttpUrl {
    std::string host; // without the brackets of an IPv6 literal
    std::string port;
    std::string target;      // path and query, at least "/"
    std::string host_header; // host[:port] as the URL gives it
};

// http://host[:port][/path][?query]; nullopt for anything this client does not speak
// (another scheme, user info in the authority, a bad port).
std::optional<PlainHttpUrl> parse_plain_http_url(std::string_view url);

class PlainHttpClient {
  public:
    explicit PlainHttpClient(std::size_t max_connections_per_origin);
    ~PlainHttpClient();
    PlainHttpClient(const PlainHttpClient&) = delete;
    PlainHttpClient& operator=(const PlainHttpClient&) = delete;

    // The URL must pass parse_plain_http_url. Resolves a host name on first use (blocking).
    void start(std::uint64_t ticket, HttpCall call);
    // Appends the descriptors to wait on; returns the time left until the next deadline.
    std::chrono::milliseconds arm(std::vector<pollfd>& fds);
    // Acts on what poll(2) reported for the descriptors arm() added and on deadlines
    // passed; appends the finished exchanges to `done`.
    void handle(const std::vector<pollfd>& fds, std::vector<HttpResponse>& done);
    void abort_all();
    std::size_t in_flight() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace llmops::http
