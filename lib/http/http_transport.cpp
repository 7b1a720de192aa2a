#include "http/http_transport.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "http/curl_client.hpp"
#include "http/header_redaction.hpp"
#include "http/plain_http_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <sys/eventfd.h>
#include <unistd.h>
#include <unordered_map>

namespace llmops::http {

namespace {

using Clock = std::chrono::steady_clock;

bool set_in_environment(const char* name) {
    const char* value = std::getenv(name);
    return value && *value;
}

} // namespace

bool http_via_curl_only() {
    if (const char* choice = std::getenv("LLMOPS_HTTP_CLIENT"); choice && *choice) {
        std::string_view c(choice);
        if (c == "curl") return true;
        if (c != "builtin")
            throw Error(ErrorKind::Usage,
                        fmt::format("LLMOPS_HTTP_CLIENT is '{}'; it must be builtin or curl", c));
    }
    return set_in_environment("http_proxy") || set_in_environment("all_proxy") ||
           set_in_environment("ALL_PROXY");
}

struct HttpTransport::Impl {
    std::size_t max_connections = 1;
    HttpLog log;
    bool all_to_curl = false;
    std::unique_ptr<PlainHttpClient> plain;
    std::unique_ptr<CurlClient> curl;
    FileDescriptor wake; // an eventfd: wakeup() makes poll() return
    std::vector<pollfd> fds;
    std::unordered_map<std::uint64_t, std::pair<std::string, Clock::time_point>> logged;

    void log_finished(const std::vector<HttpResponse>& done, std::size_t from) {
        for (std::size_t i = from; i < done.size(); ++i) {
            const HttpResponse& r = done[i];
            auto it = logged.find(r.ticket);
            if (it == logged.end()) continue;
            double ms =
                std::chrono::duration<double, std::milli>(Clock::now() - it->second.second).count();
            log(fmt::format("<- {} {} in {:.1f} ms{}", r.status, it->second.first, ms,
                            r.transport_ok ? "" : " (" + r.error + ")"));
            logged.erase(it);
        }
    }
};

HttpTransport::HttpTransport(std::size_t max_connections, HttpLog log)
    : impl_(std::make_unique<Impl>()) {
    impl_->max_connections = std::max<std::size_t>(1, max_connections);
    impl_->log = std::move(log);
    impl_->all_to_curl = http_via_curl_only();
    impl_->wake = FileDescriptor(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!impl_->wake.valid())
        throw Error(ErrorKind::Provider,
                    fmt::format("cannot create an eventfd: {}", std::strerror(errno)));
}

HttpTransport::~HttpTransport() = default;

void HttpTransport::start(std::uint64_t ticket, HttpCall call) {
    if (impl_->log) {
        std::string line = "-> POST " + call.url;
        for (const auto& [name, value] : call.headers)
            line += "\n   " + redacted_header_line(name, value);
        impl_->log(line);
        impl_->logged[ticket] = {call.url, Clock::now()};
    }
    if (!impl_->all_to_curl && parse_plain_http_url(call.url)) {
        if (!impl_->plain) impl_->plain = std::make_unique<PlainHttpClient>(impl_->max_connections);
        impl_->plain->start(ticket, std::move(call));
    } else {
        if (!impl_->curl) impl_->curl = std::make_unique<CurlClient>(impl_->max_connections);
        impl_->curl->start(ticket, std::move(call));
    }
}

void HttpTransport::poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait) {
    std::size_t before = done.size();
    auto& fds = impl_->fds;
    fds.clear();
    fds.push_back({impl_->wake.get(), POLLIN, 0});
    // Bounded so that it fits poll(2)'s int milliseconds.
    auto wait =
        std::clamp(max_wait, std::chrono::milliseconds(0), std::chrono::milliseconds(1 << 30));
    if (impl_->plain) wait = std::min(wait, impl_->plain->arm(fds));
    if (impl_->curl && impl_->curl->in_flight() > 0) {
        impl_->curl->poll(done, wait, fds);
    } else {
        int rc = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
        if (rc < 0) // EINTR: a signal; the caller's loop looks at it and polls again
            for (pollfd& p : fds)
                p.revents = 0;
    }
    if (fds[0].revents & POLLIN) {
        std::uint64_t count = 0;
        [[maybe_unused]] ssize_t n = ::read(impl_->wake.get(), &count, sizeof count);
    }
    if (impl_->plain) impl_->plain->handle(fds, done);
    if (impl_->log) impl_->log_finished(done, before);
}

void HttpTransport::abort_all() {
    if (impl_->plain) impl_->plain->abort_all();
    if (impl_->curl) impl_->curl->abort_all();
    impl_->logged.clear();
}

std::size_t HttpTransport::in_flight() const {
    return (impl_->plain ? impl_->plain->in_flight() : 0) +
           (impl_->curl ? impl_->curl->in_flight() : 0);
}

void HttpTransport::wakeup() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(impl_->wake.get(), &one, sizeof one);
}

} // namespace llmops::http
