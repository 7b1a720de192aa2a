#include "provider/http_transport.hpp"

#include "core/error.hpp"
#include "provider/credentials.hpp"

#include <algorithm>
#include <cctype>
#include <curl/curl.h>
#include <fmt/format.h>
#include <unordered_map>

namespace llmops::provider {

namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe: run it once, before any handle exists.
void ensure_curl_initialised() {
    static const bool initialised = [] {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return true;
    }();
    (void)initialised;
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Transfer {
    CURL* easy = nullptr;
    std::uint64_t ticket = 0;
    HttpCall call;
    std::unique_ptr<curl_slist, SlistDeleter> header_list;
    std::string body;
    std::optional<std::string> retry_after;
    Clock::time_point started;
    char error[CURL_ERROR_SIZE] = {};
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
    // A new status line (after a redirect or 100 Continue) starts a fresh header set.
    if (line.starts_with("HTTP/")) t->retry_after.reset();
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size()) {
        bool match = true;
        for (std::size_t i = 0; i < kName.size() && match; ++i)
            match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
        if (match) {
            std::string value(line.substr(kName.size()));
            auto not_space = [](unsigned char c) { return !std::isspace(c); };
            value.erase(value.begin(), std::find_if(value.begin(), value.end(), not_space));
            value.erase(std::find_if(value.rbegin(), value.rend(), not_space).base(), value.end());
            t->retry_after = value;
        }
    }
    return n;
}

} // namespace

struct HttpTransport::Impl {
    CURLM* multi = nullptr;
    std::size_t max_connections;
    HttpLog log;
    std::vector<CURL*> idle; // easy handles kept for reuse
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;

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
            r.elapsed_ms =
                std::chrono::duration<double, std::milli>(Clock::now() - t.started).count();
            CURLcode code = msg->data.result;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            r.status = static_cast<int>(status);
            if (code != CURLE_OK) {
                r.transport_ok = false;
                r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
                r.connect_failed = code == CURLE_COULDNT_CONNECT ||
                                   code == CURLE_COULDNT_RESOLVE_HOST ||
                                   code == CURLE_COULDNT_RESOLVE_PROXY;
                r.error = t.error[0] ? std::string(t.error) : curl_easy_strerror(code);
            }
            r.body = std::move(t.body);
            r.retry_after = std::move(t.retry_after);
            if (log)
                log(fmt::format("<- {} {} in {:.1f} ms{}", r.status, t.call.url, r.elapsed_ms,
                                r.transport_ok ? "" : " (" + r.error + ")"));
            done.push_back(std::move(r));
            active.erase(it);
            release(easy);
        }
    }
};

HttpTransport::HttpTransport(std::size_t max_connections, HttpLog log)
    : impl_(std::make_unique<Impl>()) {
    ensure_curl_initialised();
    impl_->multi = curl_multi_init();
    if (!impl_->multi) throw Error(ErrorKind::Provider, "cannot create the HTTP client");
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
    curl_multi_cleanup(impl_->multi);
}

void HttpTransport::start(std::uint64_t ticket, HttpCall call) {
    auto t = std::make_unique<Transfer>();
    t->ticket = ticket;
    t->call = std::move(call);
    t->easy = impl_->take_easy();
    CURL* e = t->easy;
    curl_slist* list = nullptr;
    for (const auto& [name, value] : t->call.headers)
        list = curl_slist_append(list, (name + ": " + value).c_str());
    list = curl_slist_append(list, "Expect:"); // no 100-continue round trip for large bodies
    t->header_list.reset(list);

    curl_easy_setopt(e, CURLOPT_URL, t->call.url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->call.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->call.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    auto timeout_ms = static_cast<long>(std::max(1.0, t->call.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); // threads: no SIGALRM for DNS timeouts
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "llmops/" LLMOPS_VERSION);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());

    if (impl_->log) {
        std::string line = "-> POST " + t->call.url;
        for (const auto& [name, value] : t->call.headers)
            line += "\n   " + redacted_header_line(name, value);
        impl_->log(line);
    }
    t->started = Clock::now();
    CURLMcode rc = curl_multi_add_handle(impl_->multi, e);
    if (rc != CURLM_OK) {
        impl_->release(e);
        throw Error(ErrorKind::Provider,
                    std::string("cannot start an HTTP request: ") + curl_multi_strerror(rc));
    }
    impl_->active.emplace(e, std::move(t));
}

void HttpTransport::poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait) {
    int running = 0;
    curl_multi_perform(impl_->multi, &running);
    std::size_t before = done.size();
    impl_->collect(done);
    if (done.size() > before) return;
    int wait_ms = static_cast<int>(std::max<std::int64_t>(0, max_wait.count()));
    curl_multi_poll(impl_->multi, nullptr, 0, wait_ms, nullptr);
    curl_multi_perform(impl_->multi, &running);
    impl_->collect(done);
}

void HttpTransport::abort_all() {
    for (auto& [easy, t] : impl_->active)
        impl_->release(easy);
    impl_->active.clear();
}

std::size_t HttpTransport::in_flight() const {
    return impl_->active.size();
}

void HttpTransport::wakeup() {
    curl_multi_wakeup(impl_->multi);
}

} // namespace llmops::provider
