#pragma once
// The gateway's inside, shared by gateway.cpp (setup, dispatch, small endpoints) and
// chat_completion.cpp (the chat flow). Not for use outside lib/serve.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "deploy/environments.hpp"
#include "http/http_server.hpp"
#include "prompt/prompt_render.hpp"
#include "provider/provider_config.hpp"
#include "serve/api_keys.hpp"
#include "serve/batch_store.hpp"
#include "serve/batch_worker.hpp"
#include "serve/canary_schedule.hpp"
#include "serve/chat_intake.hpp"
#include "serve/gateway.hpp"
#include "serve/gateway_metrics.hpp"
#include "serve/guardrails.hpp"
#include "serve/replica_slot.hpp"
#include "serve/request_log.hpp"
#include "serve/route_table.hpp"
#include "serve/shared_key_usage.hpp"
#include "serve/task_queue.hpp"
#include "serve/upstream_pool.hpp"

namespace llmops::serve {

using Clock = std::chrono::steady_clock;

// One request from arrival to its log row.
struct Exchange {
    Clock::time_point arrived;
    std::shared_ptr<http::ResponseWriter> writer;
    RequestRecord record;
    std::string release_header; // "route@N", or "none"
    std::string request_body;   // kept for the log when the policy asks
    // What the route's guardrails found, counted in /metrics when the request is finished.
    struct GuardCount {
        GuardDirection direction;
        GuardDetector detector;
        GuardAction action;
        std::size_t findings = 0;
    };
    std::vector<GuardCount> guard_counts;
    // A line of a batch: no HTTP client; admitted as the key that created the batch.
    bool batch_line = false;
    std::string batch_key;
};

// One chat request across its providers: the route's own, then its fallbacks in order.
struct ChatFlow {
    std::shared_ptr<Exchange> ex;
    // The routes the request resolved against: a reload must not free the release's provider
    // while `providers` still points into it.
    std::shared_ptr<const RouteSnapshot> routes;
    std::vector<const provider::ProviderConfig*> providers;
    std::size_t attempt = 0;
    std::vector<std::string> failures; // "provider: what went wrong", for the log
    prompt::CompiledPromptPtr prompt;  // null for passthrough
    std::optional<prompt::RenderedPrompt> rendered;
    nlohmann::json parameters = nlohmann::json::object();
    std::vector<provider::ChatMessage> client_messages;
    bool stream = false;
    bool include_usage = false;
    bool use_cache = false;                 // the route's `cache: true`
    const RouteGuardrails* guard = nullptr; // the route's guardrails, null when none
    bool started = false;                   // the stream's head was sent
    std::string client_model;
    std::int64_t created = 0;
    double estimate = 0;
    double prep_ms = 0; // arrival to the first submit: the gateway's part before a stream

    // The provider request: the rendered prompt's messages, then the client's.
    provider::ChatRequest request_for(const provider::ProviderConfig& provider) const;
};

struct Gateway::Impl {
    GatewayOptions options;
    provider::ProviderCatalog catalog;
    std::map<std::string, provider::ProviderConfig> passthrough;                   // by id
    std::map<std::string, provider::ProviderConfig> fallback_configs;              // by id
    std::map<std::string, std::vector<const provider::ProviderConfig*>> fallbacks; // by route
    std::unique_ptr<RequestLogBackend> log_backend;
    std::optional<ReplicaSlot> replica; // held while the gateway runs
    std::unique_ptr<SharedKeyUsage> shared_usage;
    std::unique_ptr<RequestLogWriter> log;
    std::unique_ptr<UpstreamPool> upstream;
    GatewayMetrics metrics;
    Guardrails guardrails; // built once at start from the serve config
    KeyGuard keys;
    std::unique_ptr<BatchStore> batches;
    std::unique_ptr<TaskQueue> store_tasks; // file and batch endpoints: store work off I/O threads
    std::unique_ptr<BatchWorker> batch_worker;
    std::unique_ptr<http::HttpServer> server;
    std::atomic<std::uint64_t> requests{0};
    std::atomic<bool> draining{false};
    deploy::Environment environment;               // its canary_policy drives canary_checks
    std::unique_ptr<CanarySchedule> canary_checks; // while serving, when a schedule is set

    mutable std::mutex routes_mutex;
    std::shared_ptr<const RouteSnapshot> routes;
    std::thread refresher;
    std::mutex refresher_mutex;
    std::condition_variable refresher_wake;
    bool refresher_stop = false;

    std::shared_ptr<const RouteSnapshot> current_routes() const {
        std::lock_guard lock(routes_mutex);
        return routes;
    }

    void handle(http::ServerRequest&& request, std::shared_ptr<http::ResponseWriter> writer);
    void handle_chat(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                     const std::string& key_name);
    void submit_chat(std::shared_ptr<ChatFlow> flow, provider::ChatRequest chat);
    void complete_chat(std::shared_ptr<ChatFlow> flow, UpstreamOutcome&& out);
    void begin_chat_stream(ChatFlow& flow);
    void handle_feedback(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                         const std::string& key_name);
    // The Batch API (batch_endpoints.cpp): /v1/files and /v1/batches.
    void handle_batch_api(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                          const std::string& key_name);
    void upload_file(Exchange& ex, const http::ServerRequest& request, const std::string& key_name);
    void create_batch(Exchange& ex, const http::ServerRequest& request,
                      const std::string& key_name);
    // One batch line through the chat path, answered to `done` instead of a client.
    void run_batch_line(nlohmann::json body, const std::string& key_name,
                        std::function<void(BatchLineOutcome&&)> done);

    // Answers and logs in one step.
    void respond(Exchange& ex, int status, std::string body,
                 std::string_view content_type = "application/json", http::HeaderFields extra = {});
    void respond_error(Exchange& ex, const ApiError& error, http::HeaderFields extra = {});
    // The headers every answer carries: x-request-id, x-llmops-release, x-llmops-overhead-ms.
    http::HeaderFields common_headers(const Exchange& ex, double overhead_ms) const;
    // Completes the record (total time, body by policy), counts it in the metrics, queues it.
    void finish(Exchange& ex, std::optional<std::string> response_body);
    std::optional<std::string> body_by_policy(const std::string& body) const;
    std::optional<std::string> redacted_for_log(const PiiGuard& policy,
                                                const std::string& body) const;
    // Runs `direction` of `guard` over `texts` (redacting in place) and records the findings
    // in the exchange; an ApiError (400 content_filter) for a block or a text the detectors
    // refuse.
    std::optional<ApiError> apply_guardrails(Exchange& ex, const RouteGuardrails& guard,
                                             GuardDirection direction,
                                             const std::vector<std::string*>& texts);
    void refresh_loop();
};

// The PII policy that redacts a logged body of `direction`: its own, else the other one's.
const PiiGuard* log_pii_policy(const RouteGuardrails& guard, GuardDirection direction);

std::string new_request_id(std::int64_t created_ms);
// The replica slot new_request_id puts in every id from now on (replica_slot.hpp).
void set_request_id_replica(int slot);
double ms_since(Clock::time_point start);

} // namespace llmops::serve
