// stub_llm: a deterministic OpenAI- and Anthropic-shaped model server for tests and benchmarks.
// Listens on 127.0.0.1 only; see tests/support/README.md and `stub_llm --help`.
#include "stub_llm_answers.hpp"
#include "stub_llm_faults.hpp"
#include "stub_llm_finetune.hpp"
#include "stub_llm_options.hpp"
#include "stub_llm_shapes.hpp"
#include "stub_llm_stats.hpp"

#include <fmt/core.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace stub_llm {
namespace {

using httplib::Request;
using httplib::Response;

// The shutdown flag, and sleeps that end early when it is raised, so "hang" and slow streams
// never hold up exit.
class Shutdown {
  public:
    // True when the full time passed; false when shutdown cut it short.
    bool sleep_ms(long long ms) {
        std::unique_lock lock(mutex_);
        if (ms <= 0) return !stopping_;
        return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
    }
    void trigger() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
    }
    bool triggered() {
        std::lock_guard lock(mutex_);
        return stopping_;
    }
    void mark_listen_done() {
        {
            std::lock_guard lock(mutex_);
            listen_done_ = true;
        }
        cv_.notify_all();
    }
    bool wait_listen_done(std::chrono::milliseconds d) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, d, [&] { return listen_done_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool listen_done_ = false;
};

// httplib hard-codes listen(fd, 5); subclassing exposes the socket so main() can widen the
// backlog for 64 clients connecting at once.
class StubServer : public httplib::Server {
  public:
    int listening_socket() const { return svr_sock_; }
};

class App {
  public:
    App(Options opts, AnswerBook book, Shutdown& shutdown)
        : opts_(std::move(opts)), book_(std::move(book)), shutdown_(shutdown),
          plan_(opts_.faults, opts_.fault_rate, opts_.fault_order, opts_.fault_first, opts_.seed) {
        if (!opts_.mode)
            opts_.mode = opts_.answers_file.empty() ? AnswerMode::upper : AnswerMode::answers;
    }

    void install(httplib::Server& svr) {
        svr.Post("/v1/chat/completions",
                 [this](const Request& req, Response& res) { chat(req, res, Api::openai, ""); });
        svr.Post(R"(/openai/deployments/([^/]+)/chat/completions)",
                 [this](const Request& req, Response& res) {
                     chat(req, res, Api::azure, req.matches[1].str());
                 });
        svr.Post("/v1/messages",
                 [this](const Request& req, Response& res) { chat(req, res, Api::anthropic, ""); });
        svr.Get("/v1/models", [this](const Request& req, Response& res) { models(req, res); });
        finetune_.install(svr, [this](const Request& req, Response& res) {
            return authorized(req, res, Api::openai);
        });
        svr.Get("/stats",
                [this](const Request&, Response& res) { send_json(res, 200, stats_.to_json()); });
        svr.Post("/reset-stats", [this](const Request&, Response& res) { reset(res); });
        svr.Get("/requests", [this](const Request&, Response& res) { recorded(res); });
        svr.Get("/healthz",
                [](const Request&, Response& res) { res.set_content("ok\n", "text/plain"); });
        svr.Post("/shutdown", [](const Request&, Response& res) { shutdown(res); });
        // httplib answers 400 to a POST with neither Content-Length nor chunked body (plain
        // `curl -X POST`), before routing; the control endpoints take no body, so catch them
        // here first.
        svr.set_pre_routing_handler([this](const Request& req, Response& res) {
            if (req.method != "POST" || req.has_header("Content-Length") ||
                req.has_header("Transfer-Encoding"))
                return httplib::Server::HandlerResponse::Unhandled;
            if (req.path == "/shutdown")
                shutdown(res);
            else if (req.path == "/reset-stats")
                reset(res);
            else
                return httplib::Server::HandlerResponse::Unhandled;
            return httplib::Server::HandlerResponse::Handled;
        });
        svr.set_error_handler(
            httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
                if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
                if (res.status == 404) stats_.unrouted(req.path, 404);
                send_error(res, Api::openai, res.status,
                           res.status == 404 ? "no route for " + req.method + " " + req.path
                                             : "request rejected by the HTTP layer");
                return httplib::Server::HandlerResponse::Handled;
            }));
        svr.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            send_error(res, Api::openai, 500, "stub_llm internal error: " + what);
        });
        if (opts_.log) {
            svr.set_logger([](const Request& req, const Response& res) {
                fmt::print(stderr, "stub_llm: {} {} {}\n", req.method, req.path, res.status);
            });
        }
    }

  private:
    void reset(Response& res) {
        // A fresh fault sequence too, so each phase of a test sees the same plan.
        stats_.reset();
        plan_.reset();
        seq_.store(0);
        {
            std::lock_guard lock(requests_mutex_);
            requests_.clear();
        }
        send_json(res, 200, {{"ok", true}});
    }

    static void shutdown(Response& res) {
        res.set_header("Connection", "close");
        send_json(res, 200, {{"ok", true}});
        ::kill(::getpid(), SIGTERM); // the signal thread owns the one shutdown path
    }

    bool authorized(const Request& req, Response& res, Api api) const {
        if (opts_.require_key.empty()) return true;
        const std::string bearer = "Bearer " + opts_.require_key;
        if (api == Api::anthropic) {
            if (req.get_header_value("x-api-key") != opts_.require_key) {
                send_error(res, api, 401, "invalid x-api-key");
                return false;
            }
            if (!req.has_header("anthropic-version")) {
                send_error(res, api, 400, "anthropic-version: header is required");
                return false;
            }
            return true;
        }
        if (api == Api::azure && req.get_header_value("api-key") == opts_.require_key) return true;
        if (req.get_header_value("Authorization") == bearer) return true;
        send_error(res, api, 401,
                   api == Api::azure ? "Access denied due to invalid subscription key."
                                     : "Incorrect API key provided.");
        return false;
    }

    // Validates the body the way the real APIs do; on failure sends a 400 and returns nullopt.
    std::optional<Chat> parse_chat(const Request& req, Response& res, Api api,
                                   const std::string& deployment) const {
        json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            send_error(res, api, 400, "request body is not a JSON object");
            return std::nullopt;
        }
        Chat chat;
        auto model = body.find("model");
        if (api == Api::azure) {
            chat.model = deployment;
        } else if (model == body.end() || !model->is_string()) {
            send_error(res, api, 400, "model: a string is required");
            return std::nullopt;
        } else {
            chat.model = model->get<std::string>();
        }
        auto messages = body.find("messages");
        if (messages == body.end() || !messages->is_array() || messages->empty()) {
            send_error(res, api, 400, "messages: a non-empty array is required");
            return std::nullopt;
        }
        for (const auto& m : *messages) {
            if (!m.is_object() || !m.contains("role")) {
                send_error(res, api, 400, "messages: each message needs a role");
                return std::nullopt;
            }
            auto content = m.find("content");
            std::string text = content == m.end() ? std::string() : content_text(*content);
            chat.prompt_chars += count_chars(text);
            if (m["role"] == "user") chat.last_user = std::move(text);
        }
        if (api == Api::anthropic) {
            if (auto system = body.find("system"); system != body.end())
                chat.prompt_chars += count_chars(content_text(*system));
        }
        auto max = body.find("max_tokens");
        if (api != Api::anthropic && (max == body.end() || max->is_null()))
            max = body.find("max_completion_tokens");
        if (max != body.end() && !max->is_null()) {
            if (!max->is_number_integer() || max->get<long long>() < 1) {
                send_error(res, api, 400, "max_tokens: a positive integer is required");
                return std::nullopt;
            }
            chat.max_tokens = max->get<std::uint64_t>();
        } else if (api == Api::anthropic) {
            send_error(res, api, 400, "max_tokens: field required");
            return std::nullopt;
        }
        if (auto s = body.find("stream"); s != body.end() && s->is_boolean())
            chat.stream = s->get<bool>();
        if (auto so = body.find("stream_options"); so != body.end() && so->is_object())
            chat.include_usage = so->value("include_usage", false);
        return chat;
    }

    std::string answer_for(const Chat& chat) const {
        switch (*opts_.mode) {
        case AnswerMode::echo:
            return chat.last_user;
        case AnswerMode::answers:
            if (auto a = book_.find(chat.last_user)) return *a;
            return ascii_upper(chat.last_user);
        case AnswerMode::upper:
            break;
        }
        return ascii_upper(chat.last_user);
    }

    void chat(const Request& req, Response& res, Api api, const std::string& deployment) {
        auto scope = std::make_shared<Stats::Scope>(stats_, req.path);
        remember(req);
        handle_chat(req, res, api, deployment, scope);
        scope->set_status(res.status);
    }

    void handle_chat(const Request& req, Response& res, Api api, const std::string& deployment,
                     const std::shared_ptr<Stats::Scope>& scope) {
        if (!authorized(req, res, api)) return;
        if (api == Api::azure && !req.has_param("api-version")) {
            send_error(res, api, 400, "api-version query parameter is required");
            return;
        }
        auto chat = parse_chat(req, res, api, deployment);
        if (!chat) return;
        // --echo-key: a hostile endpoint that hands the caller's key back everywhere.
        const std::string echoed =
            opts_.echo_key ? " [echo " + reflected_credentials(req) + "]" : std::string();
        chat->model += echoed;

        Fault fault;
        if (req.has_header("X-Stub-Fault")) {
            fault = parse_fault(req.get_header_value("X-Stub-Fault"));
            if (fault.kind == FaultKind::none && fault.name != "none") {
                send_error(res, api, 400, "X-Stub-Fault: unknown kind '" + fault.name + "'");
                return;
            }
        } else {
            fault = plan_.next();
        }
        const std::uint64_t n = seq_.fetch_add(1, std::memory_order_relaxed) + 1;
        long long latency = opts_.latency_ms;
        if (req.has_header("X-Stub-Latency-Ms")) {
            latency = std::atoll(req.get_header_value("X-Stub-Latency-Ms").c_str());
        } else if (opts_.jitter_ms > 0) {
            latency += static_cast<long long>(mix64(opts_.seed ^ mix64(~n)) %
                                              static_cast<std::uint64_t>(opts_.jitter_ms + 1));
        }
        if (fault.kind != FaultKind::none) stats_.fault(fault.name);
        if (latency > 0 && !shutdown_.sleep_ms(latency)) {
            send_error(res, api, 503, "stub_llm is shutting down");
            return;
        }

        if (fault.kind == FaultKind::status) {
            if ((fault.status == 429 || fault.status == 503) && opts_.retry_after != "none") {
                res.set_header("Retry-After",
                               opts_.retry_after_date
                                   ? http_date(std::time(nullptr) + std::stoll(opts_.retry_after))
                                   : opts_.retry_after);
            }
            send_error(res, api, fault.status,
                       (fault.status == 429 ? "Rate limit reached (injected by stub_llm)"
                                            : "Injected failure (stub_llm)") +
                           echoed);
            return;
        }
        if (fault.kind == FaultKind::hang && !shutdown_.sleep_ms(opts_.hang_ms)) {
            send_error(res, api, 503, "stub_llm is shutting down");
            return;
        }

        Reply reply;
        reply.id = (api == Api::anthropic ? "msg_stub_" : "chatcmpl-stub-") + std::to_string(n);
        reply.text = answer_for(*chat) + echoed;
        reply.prompt_tokens = estimate_tokens(chat->prompt_chars);
        std::size_t chars = count_chars(reply.text);
        if (chat->max_tokens && estimate_tokens(chars) > *chat->max_tokens) {
            reply.text = cut_chars(reply.text, *chat->max_tokens * 4);
            chars = count_chars(reply.text);
            reply.cut = true;
        }
        reply.completion_tokens = estimate_tokens(chars);
        stats_.tokens(reply.prompt_tokens, reply.completion_tokens);

        if (chat->stream) {
            stats_.streamed();
            auto events = api == Api::anthropic ? anthropic_events(*chat, reply)
                                                : openai_events(*chat, reply);
            stream(res, std::move(events), fault, api, scope);
        } else {
            json body =
                api == Api::anthropic ? anthropic_body(*chat, reply) : openai_body(*chat, reply);
            if (opts_.echo_key) body["echo"] = echoed;
            respond(res, body, fault);
        }
    }

    void respond(Response& res, const json& body, const Fault& fault) {
        std::string text = dump(body);
        res.status = 200;
        switch (fault.kind) {
        case FaultKind::malformed:
            // Starts like the real thing, then an unquoted key and a mismatched bracket.
            res.set_content(R"({"id":")" + body.value("id", "") + R"(","object":"chat",choices:[})",
                            "application/json");
            return;
        case FaultKind::truncated_json:
            res.set_content(text.substr(0, text.size() / 2), "application/json");
            return;
        case FaultKind::truncated: {
            // Content-Length promises the whole body; half is sent, then the connection drops.
            const std::size_t full = text.size();
            res.set_content_provider(
                full, "application/json",
                [text = std::move(text)](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                    if (offset == 0) sink.write(text.data(), text.size() / 2);
                    return false;
                });
            return;
        }
        case FaultKind::slow_sse:
            // Not a stream: one slow delay before the whole answer.
            if (!shutdown_.sleep_ms(opts_.slow_sse_delay_ms)) {
                send_error(res, Api::openai, 503, "stub_llm is shutting down");
                return;
            }
            break;
        default:
            break;
        }
        res.set_content(std::move(text), "application/json");
    }

    void stream(Response& res, std::vector<std::string> events, const Fault& fault, Api api,
                const std::shared_ptr<Stats::Scope>& scope) {
        bool drop = false; // end without the terminating chunk: a connection cut mid-stream
        if (fault.kind == FaultKind::truncated || fault.kind == FaultKind::truncated_json) {
            events.resize(std::max<std::size_t>(1, events.size() / 2));
            drop = fault.kind == FaultKind::truncated;
        } else if (fault.kind == FaultKind::malformed) {
            // Spoil the first text delta (index 3 for Anthropic: after start, block start, ping).
            events[std::min<std::size_t>(api == Api::anthropic ? 3 : 1, events.size() - 1)] =
                api == Api::anthropic
                    ? "event: content_block_delta\ndata: {\"type\": content_block_delta, \n\n"
                    : "data: {\"choices\": [{\"delta\": {\"content\": broken}\n\n";
        }
        const long long delay =
            fault.kind == FaultKind::slow_sse ? opts_.slow_sse_delay_ms : opts_.sse_chunk_delay_ms;
        res.status = 200;
        scope->set_status(200);
        res.set_header("Cache-Control", "no-cache");
        res.set_chunked_content_provider(
            "text/event-stream", [this, events = std::move(events), delay, drop,
                                  scope](std::size_t, httplib::DataSink& sink) {
                for (std::size_t i = 0; i < events.size(); ++i) {
                    if (i > 0 && delay > 0 && !shutdown_.sleep_ms(delay)) return false;
                    if (!sink.write(events[i].data(), events[i].size())) return false;
                }
                if (drop) return false;
                sink.done();
                return true;
            });
    }

    void models(const Request& req, Response& res) {
        Stats::Scope scope(stats_, req.path);
        const bool anthropic = req.has_header("anthropic-version");
        const Api api = anthropic ? Api::anthropic : Api::openai;
        if (!opts_.require_key.empty() &&
            req.get_header_value("Authorization") != "Bearer " + opts_.require_key &&
            req.get_header_value("x-api-key") != opts_.require_key &&
            req.get_header_value("api-key") != opts_.require_key) {
            send_error(res, api, 401, "invalid API key");
        } else {
            json data = json::array();
            for (const auto& id : opts_.models) {
                if (anthropic)
                    data.push_back({{"type", "model"},
                                    {"id", id},
                                    {"display_name", id},
                                    {"created_at", "2024-01-01T00:00:00Z"}});
                else
                    data.push_back({{"id", id},
                                    {"object", "model"},
                                    {"created", 0},
                                    {"owned_by", "stub_llm"}});
            }
            if (anthropic)
                send_json(res, 200,
                          {{"data", data},
                           {"has_more", false},
                           {"first_id", opts_.models.front()},
                           {"last_id", opts_.models.back()}});
            else
                send_json(res, 200, {{"object", "list"}, {"data", data}});
        }
        scope.set_status(res.status);
    }

    // Keeps the last few model requests (keys redacted) so tests can check what a client sent.
    void remember(const Request& req) {
        if (opts_.keep_requests == 0) return;
        json headers = json::object();
        for (const auto& [name, value] : req.headers)
            headers[name] = is_credential_header(name) ? std::string("<redacted>") : value;
        json entry = {{"method", req.method},
                      {"path", req.path},
                      {"params", req.params},
                      {"headers", std::move(headers)},
                      {"body", req.body}};
        std::lock_guard lock(requests_mutex_);
        requests_.push_back(std::move(entry));
        while (requests_.size() > opts_.keep_requests)
            requests_.pop_front();
    }

    void recorded(Response& res) {
        json out = json::array();
        {
            std::lock_guard lock(requests_mutex_);
            out = requests_;
        }
        for (auto& entry : out) { // parse bodies here, off the hot path
            json body = json::parse(entry["body"].get<std::string>(), nullptr, false);
            if (!body.is_discarded()) entry["body"] = std::move(body);
        }
        send_json(res, 200, {{"requests", out}});
    }

    Options opts_;
    AnswerBook book_;
    Shutdown& shutdown_;
    FaultPlan plan_;
    Stats stats_;
    FineTuneEndpoints finetune_;
    std::atomic<std::uint64_t> seq_{0};
    std::mutex requests_mutex_;
    std::deque<json> requests_;
};

bool write_port_file(const std::string& path, int port) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << '\n';
        out.flush();
        if (!out) return false;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec); // readers see no file or the whole port
    return !ec;
}

int run(const Options& opts) {
    AnswerBook book;
    if (!opts.answers_file.empty()) {
        try {
            book = AnswerBook::load(opts.answers_file);
        } catch (const std::exception& e) {
            fmt::print(stderr, "stub_llm: error: {}\n", e.what());
            return 2;
        }
    }

    // Signals go to one thread that sigwait()s; every other thread inherits the block.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Shutdown shutdown;
    StubServer svr;
    App app(opts, std::move(book), shutdown);
    app.install(svr);
    const std::size_t threads = static_cast<std::size_t>(opts.threads);
    // httplib takes ownership of the queue it gets from this factory.
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which lets a second stub share a fixed --port
    // silently; keep only SO_REUSEADDR so that is an error.
    svr.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    svr.set_keep_alive_max_count(1u << 30); // httplib's default of 5 would force reconnects
    svr.set_keep_alive_timeout(opts.keep_alive_timeout_s);

    int port = opts.port;
    if (port == 0)
        port = svr.bind_to_any_port(opts.host);
    else if (!svr.bind_to_port(opts.host, port))
        port = -1;
    if (port <= 0) {
        fmt::print(stderr, "stub_llm: error: cannot listen on {}:{}\n", opts.host, opts.port);
        return 1;
    }
    ::listen(svr.listening_socket(), 1024);

    std::thread signal_thread([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        shutdown.trigger();
        // stop() is a no-op until listen_after_bind() is running, hence the retries; idle
        // keep-alive connections can outlive stop(), hence the grace period.
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.shutdown_grace_ms);
        while (!shutdown.wait_listen_done(std::chrono::milliseconds(10))) {
            svr.stop();
            if (std::chrono::steady_clock::now() > deadline) {
                fmt::print(stderr, "stub_llm: connections still open after {} ms; exiting\n",
                           opts.shutdown_grace_ms);
                std::fflush(stderr);
                std::_Exit(0);
            }
        }
    });

    if (!opts.port_file.empty() && !write_port_file(opts.port_file, port)) {
        fmt::print(stderr, "stub_llm: error: cannot write port file {}\n", opts.port_file);
        ::kill(::getpid(), SIGTERM);
    } else {
        fmt::print("PORT {}\n", port);
        std::fflush(stdout);
    }

    const bool ok = svr.listen_after_bind();
    shutdown.mark_listen_done();
    if (!shutdown.triggered()) pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    return ok ? 0 : 1;
}

} // namespace
} // namespace stub_llm

int main(int argc, char** argv) {
    try {
        auto opts = stub_llm::parse_options(argc, argv);
        if (!opts) {
            std::fputs(stub_llm::usage_text, stdout);
            return 0;
        }
        return stub_llm::run(*opts);
    } catch (const stub_llm::UsageError& e) {
        fmt::print(stderr, "stub_llm: error: {}\nTry 'stub_llm --help'.\n", e.what());
        return 2;
    }
}
