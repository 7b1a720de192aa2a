#include "http/curl_client.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/curl_library.hpp"

#include <algorithm>
#include <unordered_map>

namespace llmops::http {

namespace {

// poll(2) readiness passes through curl_waitfd unchanged.
static_assert(CURL_WAIT_POLLIN == POLLIN && CURL_WAIT_POLLOUT == POLLOUT);

struct Transfer {
    std::uint64_t ticket = 0;
    HttpCall call;
    curl_slist* header_list = nullptr;
    std::string body;
    std::optional<std::string> retry_after;
    char error[CURL_ERROR_SIZE] = {};

    ~Transfer() {
        if (header_list) curl_library().slist_free_all(header_list);
    }
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
    if (line.size() > kName.size() && ascii_iequals(line.substr(0, kName.size()), kName)) {
        std::string_view value = line.substr(kName.size());
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
            value.remove_suffix(1);
        t->retry_after = std::string(trim_blanks(value));
    }
    return n;
}

} // namespace

struct CurlClient::Impl {
    const CurlLibrary& curl = curl_library();
    CURLM* multi = nullptr;
    std::size_t max_connections = 1;
    std::vector<CURL*> idle; // easy handles kept for reuse
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
    std::vector<curl_waitfd> wait_fds;

    CURL* take_easy() {
        if (!idle.empty()) {
            CURL* easy = idle.back();
            idle.pop_back();
            curl.easy_reset(easy);
            return easy;
        }
        CURL* easy = curl.easy_init();
        if (!easy)
            throw Error(ErrorKind::Provider, "cannot create an HTTP handle (out of memory?)");
        return easy;
    }

    void release(CURL* easy) {
        curl.multi_remove_handle(multi, easy);
        if (idle.size() < max_connections)
            idle.push_back(easy);
        else
            curl.easy_cleanup(easy);
    }

    void collect(std::vector<HttpResponse>& done) {
        int queued = 0;
        while (CURLMsg* msg = curl.multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* easy = msg->easy_handle;
            auto it = active.find(easy);
            if (it == active.end()) continue;
            Transfer& t = *it->second;
            HttpResponse r;
            r.ticket = t.ticket;
            CURLcode code = msg->data.result;
            long status = 0;
            curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            r.status = static_cast<int>(status);
            if (code != CURLE_OK) {
                r.transport_ok = false;
                r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
                r.connect_failed = code == CURLE_COULDNT_CONNECT ||
                                   code == CURLE_COULDNT_RESOLVE_HOST ||
                                   code == CURLE_COULDNT_RESOLVE_PROXY;
                r.error = t.error[0] ? std::string(t.error) : curl.easy_strerror(code);
            }
            r.body = std::move(t.body);
            r.retry_after = std::move(t.retry_after);
            done.push_back(std::move(r));
            active.erase(it);
            release(easy);
        }
    }
};

CurlClient::CurlClient(std::size_t max_connections) : impl_(std::make_unique<Impl>()) {
    impl_->multi = impl_->curl.multi_init();
    if (!impl_->multi) throw Error(ErrorKind::Provider, "cannot create the HTTP client");
    impl_->max_connections = std::max<std::size_t>(1, max_connections);
    auto n = static_cast<long>(impl_->max_connections);
    impl_->curl.multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    impl_->curl.multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, n);
}

CurlClient::~CurlClient() {
    abort_all();
    for (CURL* easy : impl_->idle)
        impl_->curl.easy_cleanup(easy);
    impl_->curl.multi_cleanup(impl_->multi);
}

void CurlClient::start(std::uint64_t ticket, HttpCall call) {
    const CurlLibrary& curl = impl_->curl;
    auto t = std::make_unique<Transfer>();
    t->ticket = ticket;
    t->call = std::move(call);
    for (const auto& [name, value] : t->call.headers)
        t->header_list = curl.slist_append(t->header_list, (name + ": " + value).c_str());
    // No 100-continue round trip for large bodies.
    t->header_list = curl.slist_append(t->header_list, "Expect:");

    CURL* e = impl_->take_easy();
    curl.easy_setopt(e, CURLOPT_URL, t->call.url.c_str());
    curl.easy_setopt(e, CURLOPT_POST, 1L);
    curl.easy_setopt(e, CURLOPT_POSTFIELDS, t->call.body.data());
    curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->call.body.size()));
    curl.easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl.easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    auto timeout_ms = static_cast<long>(std::max(1.0, t->call.timeout_s * 1000));
    curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
    curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L); // threads: no SIGALRM for DNS timeouts
    curl.easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl.easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl.easy_setopt(e, CURLOPT_USERAGENT, "llmops/" LLMOPS_VERSION);

    CURLMcode rc = curl.multi_add_handle(impl_->multi, e);
    if (rc != CURLM_OK) {
        impl_->release(e);
        throw Error(ErrorKind::Provider,
                    std::string("cannot start an HTTP request: ") + curl.multi_strerror(rc));
    }
    impl_->active.emplace(e, std::move(t));
}

void CurlClient::poll(std::vector<HttpResponse>& done, std::chrono::milliseconds max_wait,
                      std::vector<pollfd>& also) {
    const CurlLibrary& curl = impl_->curl;
    int running = 0;
    curl.multi_perform(impl_->multi, &running);
    std::size_t before = done.size();
    impl_->collect(done);
    if (done.size() > before) return;
    auto& waits = impl_->wait_fds;
    waits.clear();
    for (const pollfd& p : also)
        waits.push_back({p.fd, p.events, 0});
    int wait_ms = static_cast<int>(std::max<std::int64_t>(0, max_wait.count()));
    curl.multi_poll(impl_->multi, waits.data(), static_cast<unsigned>(waits.size()), wait_ms,
                    nullptr);
    for (std::size_t i = 0; i < also.size(); ++i)
        also[i].revents = waits[i].revents;
    curl.multi_perform(impl_->multi, &running);
    impl_->collect(done);
}

void CurlClient::abort_all() {
    for (auto& [easy, t] : impl_->active)
        impl_->release(easy);
    impl_->active.clear();
}

std::size_t CurlClient::in_flight() const {
    return impl_->active.size();
}

} // namespace llmops::http
