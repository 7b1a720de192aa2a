#include "serve/gateway.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "deploy/environments.hpp"
#include "serve/feedback_rules.hpp"
#include "serve/gateway_impl.hpp"
#include "serve/openai_shapes.hpp"

#include <fmt/format.h>
#include <random>

namespace llmops::serve {

using nlohmann::json;

namespace {
std::atomic<int> request_id_replica{-1};
// With a replica slot, the sequence's low 20 bits are the slot (8 bits) and a counter (12 bits:
// 4,096 ids a millisecond per replica, far above what one serves).
constexpr int kReplicaCounterBits = 12;
} // namespace

void set_request_id_replica(int slot) {
    request_id_replica.store(slot, std::memory_order_relaxed);
}

std::string new_request_id(std::int64_t created_ms) {
    // A process-wide sequence from a random start: ids of one process never repeat within a
    // millisecond (up to 2^20 requests, or 2^12 with a replica slot); replicas of one store
    // have distinct slots (replica_slot.hpp), so their ids never meet.
    static std::atomic<std::uint32_t> sequence{static_cast<std::uint32_t>(std::random_device{}())};
    std::uint32_t n = sequence.fetch_add(1, std::memory_order_relaxed);
    if (int slot = request_id_replica.load(std::memory_order_relaxed); slot >= 0)
        n = (static_cast<std::uint32_t>(slot) << kReplicaCounterBits) |
            (n & ((1U << kReplicaCounterBits) - 1));
    return make_request_id(created_ms, n);
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

namespace {

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string fmt_ms(double ms) {
    return fmt::format("{:.3f}", ms);
}

} // namespace

http::HeaderFields Gateway::Impl::common_headers(const Exchange& ex, double overhead_ms) const {
    return {{"x-request-id", ex.record.id},
            {"x-llmops-release", ex.release_header},
            {"x-llmops-overhead-ms", fmt_ms(overhead_ms)}};
}

std::optional<std::string> Gateway::Impl::body_by_policy(const std::string& body) const {
    switch (options.config.log_bodies) {
    case BodyPolicy::Full:
        return body;
    case BodyPolicy::Hash:
        return hash128(body).hex();
    default:
        return std::nullopt;
    }
}

const PiiGuard* log_pii_policy(const RouteGuardrails& guard, GuardDirection direction) {
    const GuardPolicy& own = direction == GuardDirection::input ? guard.input : guard.output;
    const GuardPolicy& other = direction == GuardDirection::input ? guard.output : guard.input;
    if (own.pii) return &*own.pii;
    return other.pii ? &*other.pii : nullptr;
}

std::optional<std::string> Gateway::Impl::redacted_for_log(const PiiGuard& policy,
                                                           const std::string& body) const {
    try {
        return guardrails.redact_for_log(policy, body);
    } catch (const Error&) {
        // A body the PII engine refuses (invalid UTF-8, over its limit): keep only its hash
        // rather than store what could not be checked.
        return hash128(body).hex();
    }
}

void Gateway::Impl::finish(Exchange& ex, std::optional<std::string> response_body) {
    RequestRecord& r = ex.record;
    r.total_ms = ms_since(ex.arrived);
    r.overhead_ms = std::max(0.0, r.total_ms - r.upstream_ms - r.queue_ms);
    r.body_policy = std::string(to_string(options.config.log_bodies));
    // Log hygiene: with full bodies, the route's PII policy redacts them before they are stored.
    const RouteGuardrails* guard =
        options.config.log_bodies == BodyPolicy::Full ? guardrails.route(r.route) : nullptr;
    const PiiGuard* request_pii = guard ? log_pii_policy(*guard, GuardDirection::input) : nullptr;
    const PiiGuard* response_pii = guard ? log_pii_policy(*guard, GuardDirection::output) : nullptr;
    if (!ex.request_body.empty())
        r.request_body = request_pii ? redacted_for_log(*request_pii, ex.request_body)
                                     : body_by_policy(ex.request_body);
    if (response_body)
        r.response_body = response_pii ? redacted_for_log(*response_pii, *response_body)
                                       : body_by_policy(*response_body);
    for (const auto& count : ex.guard_counts)
        metrics.count_guardrail(r.route, to_string(count.direction), to_string(count.detector),
                                to_string(count.action), count.findings);
    RequestObservation o;
    o.route = r.route;
    o.release = r.release_number ? std::to_string(*r.release_number) : "";
    o.provider = r.provider;
    o.status = r.status;
    o.error_kind = r.error_kind;
    o.total_s = r.total_ms / 1000;
    if (!r.provider.empty()) {
        o.upstream_s = r.upstream_ms / 1000;
        o.queue_s = r.queue_ms / 1000;
    }
    if (r.ttft_ms) o.ttft_s = *r.ttft_ms / 1000;
    o.prompt_tokens = r.prompt_tokens;
    o.completion_tokens = r.completion_tokens;
    o.cost_usd = r.cost_usd;
    metrics.observe(o);
    log->append(std::move(r));
}

void Gateway::Impl::respond(Exchange& ex, int status, std::string body,
                            std::string_view content_type, http::HeaderFields extra) {
    ex.record.status = status;
    double overhead =
        std::max(0.0, ms_since(ex.arrived) - ex.record.upstream_ms - ex.record.queue_ms);
    http::HeaderFields headers = common_headers(ex, overhead);
    headers.emplace_back("Content-Type", std::string(content_type));
    for (auto& h : extra)
        headers.push_back(std::move(h));
    bool log_body = ex.record.path == "/v1/chat/completions";
    std::optional<std::string> logged;
    if (log_body) logged = body;
    ex.writer->respond(status, std::move(headers), std::move(body));
    finish(ex, std::move(logged));
}

void Gateway::Impl::respond_error(Exchange& ex, const ApiError& error, http::HeaderFields extra) {
    ex.record.error_kind = error.kind;
    ex.record.error_message = error.message;
    ApiError shaped = error;
    if (shaped.type.empty()) shaped.type = error_type_for_status(error.status);
    respond(ex, error.status, error_body(shaped), "application/json", std::move(extra));
}

namespace {

ApiError api_error(int status, std::string kind, std::string message, std::string code = {}) {
    ApiError e;
    e.status = status;
    e.kind = std::move(kind);
    e.message = std::move(message);
    e.type = error_type_for_status(status);
    e.code = std::move(code);
    return e;
}

} // namespace

void Gateway::Impl::handle(http::ServerRequest&& request,
                           std::shared_ptr<http::ResponseWriter> writer) {
    requests.fetch_add(1, std::memory_order_relaxed);
    auto ex = std::make_shared<Exchange>();
    ex->arrived = Clock::now();
    ex->writer = std::move(writer);
    ex->release_header = "none";
    RequestRecord& r = ex->record;
    std::int64_t created_ms = now_unix_ms();
    r.id = new_request_id(created_ms);
    r.created_at = iso8601_from_ms(created_ms);
    r.env = options.env;
    r.method = request.method;
    r.path = std::string(request.path());
    if (r.path.size() > 256) r.path.resize(256);

    if (request.rejection_status)
        return respond_error(*ex, api_error(request.rejection_status,
                                            request.rejection_status == 413   ? "too_large"
                                            : request.rejection_status == 431 ? "header_too_large"
                                                                              : "bad_http",
                                            request.rejection_message));
    const std::string& path = r.path;
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (path == "/healthz") {
        if (!get) return respond_error(*ex, api_error(405, "bad_method", "use GET"));
        return respond(*ex, 200, R"({"status":"ok"})");
    }
    if (path == "/readyz") {
        if (!get) return respond_error(*ex, api_error(405, "bad_method", "use GET"));
        auto routes_now = current_routes();
        if (draining.load()) return respond(*ex, 503, R"({"status":"draining"})");
        if (!routes_now || (routes_now->routes.empty() && passthrough.empty()))
            return respond(*ex, 503, R"({"status":"nothing deployed"})");
        return respond(*ex, 200, R"({"status":"ready"})");
    }
    if (path == "/metrics") {
        if (!get) return respond_error(*ex, api_error(405, "bad_method", "use GET"));
        GatewayMetrics::Gauges g;
        g.in_flight = server ? server->requests_in_flight() : 0;
        g.connections = server ? server->connections() : 0;
        g.upstream_queued = upstream->queued();
        g.log_written = log->written();
        g.log_failed_groups = log->failed_groups();
        return respond(*ex, 200, metrics.render(g), "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path.rfind("/v1/", 0) != 0)
        return respond_error(*ex, api_error(404, "not_found", "unknown path " + path));

    // Everything under /v1 needs a key once keys exist (chat checks the route too).
    std::string key_name;
    bool chat = path == "/v1/chat/completions";
    if (keys.enabled() && !chat) {
        Admission a = keys.admit(request.header("Authorization"), "", 0, /*metered=*/false);
        if (a.status) {
            ex->record.key_name = a.key_name;
            http::HeaderFields extra;
            if (a.retry_after_s > 0)
                extra.emplace_back("Retry-After",
                                   std::to_string(static_cast<long>(std::ceil(a.retry_after_s))));
            return respond_error(*ex, api_error(a.status, a.kind, a.message, a.code),
                                 std::move(extra));
        }
        key_name = a.key_name;
        ex->record.key_name = key_name;
    }
    if (path == "/v1/models") {
        if (!get) return respond_error(*ex, api_error(405, "bad_method", "use GET"));
        auto routes_now = current_routes();
        std::vector<std::string> ids =
            routes_now ? routes_now->route_names() : std::vector<std::string>{};
        for (const auto& [id, _] : passthrough)
            ids.push_back(id);
        return respond(*ex, 200, models_body(ids, "llmops"));
    }
    if (chat) {
        if (!post) return respond_error(*ex, api_error(405, "bad_method", "use POST"));
        return handle_chat(ex, std::move(request), key_name);
    }
    if (path == "/v1/feedback") {
        if (!post) return respond_error(*ex, api_error(405, "bad_method", "use POST"));
        return handle_feedback(ex, std::move(request), key_name);
    }
    if (path.rfind("/v1/files", 0) == 0 || path.rfind("/v1/batches", 0) == 0)
        return handle_batch_api(ex, std::move(request), key_name);
    return respond_error(*ex, api_error(404, "not_found", "unknown path " + path));
}

void Gateway::Impl::handle_feedback(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                                    const std::string& key_name) {
    json doc = json::parse(request.body, nullptr, false);
    auto bad = [&](std::string param, std::string message) {
        ApiError e = api_error(400, "bad_field", param + ": " + message);
        e.param = std::move(param);
        respond_error(*ex, e);
    };
    if (doc.is_discarded() || !doc.is_object())
        return respond_error(*ex, api_error(400, "bad_json", "the body must be a JSON object"));
    FeedbackRecord f;
    // Types first (a wrong type is named as such); then the shared rules of feedback_rules.hpp.
    auto text = [&](const char* name, std::string& out) {
        auto it = doc.find(name);
        if (it == doc.end() || it->is_null()) return true;
        if (!it->is_string()) return false;
        out = it->get<std::string>();
        return true;
    };
    if (!text("request_id", f.request_id))
        return bad("request_id", "a request id (x-request-id) is required");
    if (!text("name", f.name))
        return bad("name", "a non-empty string of at most 200 bytes is required");
    if (!text("comment", f.comment)) return bad("comment", "must be a string");
    auto value = doc.find("value");
    if (value != doc.end()) f.value = *value;
    if (auto problem = check_feedback(f)) return bad(problem->field, problem->message);
    f.key_name = key_name;
    f.created_at = now_iso8601();
    ex->request_body = request.body;
    FeedbackRecord copy = f;
    log->append_feedback(std::move(f), [this, ex, copy](bool found) {
        if (!found)
            return respond_error(
                *ex, api_error(404, "unknown_request",
                               "no request with id '" + copy.request_id + "' in the request log"));
        json body = {{"object", "feedback"},
                     {"request_id", copy.request_id},
                     {"name", copy.name},
                     {"value", copy.value}};
        respond(*ex, 201, body.dump());
    });
}

void Gateway::Impl::refresh_loop() {
    store::Project project = store::Project::open(options.paths, store::StoreAccess::Read);
    std::unique_lock lock(refresher_mutex);
    while (!refresher_stop) {
        refresher_wake.wait_for(lock,
                                std::chrono::duration<double>(options.config.refresh_interval_s));
        if (refresher_stop) break;
        lock.unlock();
        try {
            std::string signature = traffic_signature(project.db(), options.env);
            auto now = current_routes();
            if (!now || now->signature != signature) {
                auto next = load_routes(project, options.env, catalog);
                {
                    std::lock_guard routes_lock(routes_mutex);
                    routes = next;
                }
                if (options.note)
                    options.note(fmt::format("routes reloaded: {} route(s) live in {}: {}",
                                             next->routes.size(), options.env, next->describe()));
            }
            keys.load(list_keys(project.db(), false), {});
        } catch (const std::exception& e) {
            if (options.note) options.note(std::string("reload failed: ") + e.what());
        }
        lock.lock();
    }
}

Gateway::Gateway(GatewayOptions options) : impl_(std::make_unique<Impl>()) {
    Impl& g = *impl_;
    g.options = std::move(options);
    const ServeConfig& cfg = g.options.config;
    deploy::EnvironmentCatalog environments =
        deploy::load_environments(g.options.paths.config_file);
    g.environment = environments.get(g.options.env); // Error(Usage) for an unknown one
    g.catalog = provider::load_provider_catalog(g.options.paths.config_file);
    for (const auto& id : cfg.passthrough)
        g.passthrough.emplace(id, provider::resolve_provider(g.catalog, id));
    for (const auto& [route, ids] : cfg.route_fallbacks)
        for (const auto& id : ids) {
            auto it = g.fallback_configs.find(id);
            if (it == g.fallback_configs.end())
                it =
                    g.fallback_configs.emplace(id, provider::resolve_provider(g.catalog, id)).first;
            g.fallbacks[route].push_back(&it->second);
        }
    // Built once per config load: compiling the PII engine is far too slow for a request.
    g.guardrails = Guardrails(cfg.route_guardrails, cfg.pii_settings);
    {
        store::Project project = store::Project::open(g.options.paths, store::StoreAccess::Read);
        g.routes = load_routes(project, g.options.env, g.catalog);
        g.replica = ReplicaSlot::claim(g.options.paths.database());
        set_request_id_replica(g.replica->number());
        g.log_backend = open_store_request_log(g.options.paths.database());
        g.keys.load(list_keys(project.db(), false), g.log_backend->usage_by_key());
        // Other replicas use the same keys' budgets and rates: admissions see their use too.
        g.shared_usage = std::make_unique<SharedKeyUsage>(g.options.paths.database());
        g.keys.share_usage([shared = g.shared_usage.get()] { return shared->read(); },
                           [log = g.log_backend.get()] { return log->written_by_key(); });
    }
    if (!is_loopback(cfg.host) && !g.keys.enabled())
        throw Error(ErrorKind::Usage, "refusing to listen on " + cfg.host + " without API keys", {},
                    "create one with 'llmops keys create NAME', or bind 127.0.0.1");
    g.log = std::make_unique<RequestLogWriter>(*g.log_backend);
    g.upstream = std::make_unique<UpstreamPool>(
        cfg.upstream_concurrency, cfg.upstream_queue,
        cfg.cached_routes.empty() ? store::DatabaseAddress() : g.options.paths.database());
    g.batches = std::make_unique<BatchStore>(g.options.paths);
    g.store_tasks = std::make_unique<TaskQueue>(256);
    Impl* impl = impl_.get();
    g.batch_worker = std::make_unique<BatchWorker>(
        *g.batches, cfg.batch,
        [impl](nlohmann::json body, const std::string& key_name,
               std::function<void(BatchLineOutcome &&)> done) {
            impl->run_batch_line(std::move(body), key_name, std::move(done));
        },
        g.options.note);
    http::ServerOptions server_options;
    server_options.host = cfg.host;
    server_options.port = cfg.port;
    server_options.threads = cfg.threads;
    server_options.limits = cfg.limits;
    server_options.limits.upload_path = "/v1/files";
    server_options.limits.max_upload_bytes = static_cast<std::size_t>(cfg.batch.max_file_bytes);
    server_options.error_body = [](int status, std::string_view message) {
        return error_body(api_error(status, "overloaded", std::string(message)));
    };
    // HTTP providers' calls run on the I/O thread that read their request.
    server_options.loop_work = [pool = g.upstream.get()] { return pool->make_loop_work(); };
    Impl* self = impl_.get();
    g.server = std::make_unique<http::HttpServer>(
        server_options,
        [self](http::ServerRequest&& request, std::shared_ptr<http::ResponseWriter> writer) {
            self->handle(std::move(request), std::move(writer));
        });
}

Gateway::~Gateway() {
    Impl& g = *impl_;
    {
        std::lock_guard lock(g.refresher_mutex);
        g.refresher_stop = true;
    }
    g.refresher_wake.notify_all();
    if (g.refresher.joinable()) g.refresher.join();
    g.canary_checks.reset();
    if (g.server) g.server->shutdown(0);
    if (g.batch_worker) g.batch_worker->stop(0);
    if (g.store_tasks) g.store_tasks->stop();
    g.upstream.reset();
    g.log.reset();
}

int Gateway::port() const {
    return impl_->server->port();
}

std::size_t Gateway::route_count() const {
    auto r = impl_->current_routes();
    return r ? r->routes.size() : 0;
}

GatewaySummary Gateway::run(const std::atomic<bool>& stop) {
    Impl& g = *impl_;
    g.server->start();
    g.refresher = std::thread([&g] { g.refresh_loop(); });
    if (g.environment.canary_policy.schedule_s)
        g.canary_checks =
            std::make_unique<CanarySchedule>(g.options.paths, g.environment, g.options.note);
    std::atomic<bool> background_stop{false};
    std::thread background;
    if (g.options.background)
        background = std::thread([&g, &background_stop] { g.options.background(background_stop); });
    g.batch_worker->start(); // resumes batches a stopped or killed gateway left in progress
    while (!stop.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    g.canary_checks.reset();
    background_stop.store(true);
    if (background.joinable()) background.join();
    g.draining.store(true);
    GatewaySummary summary;
    summary.abandoned = g.server->shutdown(g.options.config.drain_timeout_s);
    // Batch lines in flight get the same drain time; what they answer is recorded.
    g.batch_worker->stop(g.options.config.drain_timeout_s);
    g.store_tasks->stop();
    {
        std::lock_guard lock(g.refresher_mutex);
        g.refresher_stop = true;
    }
    g.refresher_wake.notify_all();
    if (g.refresher.joinable()) g.refresher.join();
    g.upstream.reset(); // calls still running end as Cancelled, and are logged
    g.log->flush();
    summary.requests = g.requests.load();
    summary.log_rows = g.log->written();
    summary.log_failed_groups = g.log->failed_groups();
    return summary;
}

} // namespace llmops::serve
