#pragma once
// HTTP POSTs through libcurl's multi interface, for what the plain client does not speak
// (https://, proxies): connections kept alive and reused, TCP_NODELAY, a timeout per request.
// libcurl is loaded when the first CurlClient is made (curl_library.hpp).
#include "http/http_transport.hpp"

#include <poll.h>

namespace llmops::http {

class CurlClient {
  public:
    explicit CurlClient(std::size_t max_connections);
    ~CurlClient();
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    void start(std::uint64_t ticket, HttpCall call);
    // Drives the transfers for at most max_wait, returning early when one finishes or one of
    // `also` is ready (their revents are filled in); appends the finished ones to `done`.
    void poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait,
              std::vector<pollfd>& also);
    void abort_all();
    std::size_t in_flight() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace llmops::http
