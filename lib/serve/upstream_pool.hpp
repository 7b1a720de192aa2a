#pragma once
// The gateway's side of the provider engine. A call submitted on a gateway I/O thread to an
// HTTP provider runs on that thread, in the loop that serves its connection (make_loop_work):
// the request, the upstream call and the answer never change thread. Calls to exec and echo
// providers, calls of cached routes (the response cache is a database) and calls submitted
// elsewhere (batch lines) run on one worker thread per provider. Wherever its calls run, a
// provider has at most `concurrency` of them at once and `queue_limit` more waiting. Retries
// (a streamed call only until its first chunk was forwarded), secrets scrubbed from whatever
// comes back and cost from the price table are lib/serve/provider_calls.hpp's. Streamed
// answers of OpenAI-compatible providers are forwarded chunk by chunk as they arrive.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_server.hpp"
#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"
#include "store/database.hpp"

namespace llmops::serve {

struct UpstreamOutcome {
    provider::ChatResult result;
    double queue_ms = 0;    // waiting for a free slot
    double upstream_ms = 0; // from the first attempt's start to the answer
    bool chunks_forwarded = false;
};

struct UpstreamCall {
    provider::ChatRequest request;
    bool stream = false;
    bool use_cache = false; // answer from the response cache when it holds the request
    // A streamed call: each chat.completion.chunk payload of the provider's event stream,
    // secrets scrubbed, on the thread that runs the call ("[DONE]" is not passed on). Providers
    // that cannot stream (anthropic, exec, echo) never call it: the caller builds the stream from
    // the result.
    std::function<void(std::string_view data)> on_chunk;
    // Exactly once, on the thread that runs the call.
    std::function<void(UpstreamOutcome&&)> on_done;
};

class UpstreamWorker;
class LoopUpstream;
struct ProviderLimits;

class UpstreamPool {
  public:
    // `cache_db`: the store database holding the response cache ("" = no cache).
    UpstreamPool(std::size_t concurrency, std::size_t queue_limit,
                 store::DatabaseAddress cache_db = {});
    ~UpstreamPool(); // stops the workers; calls not finished end as Cancelled
    UpstreamPool(const UpstreamPool&) = delete;
    UpstreamPool& operator=(const UpstreamPool&) = delete;

    enum class Submitted { Accepted, QueueFull };
    // Throws Error(Provider) when the provider's key variable is unset (before anything runs).
    Submitted submit(const provider::ProviderConfig& config, UpstreamCall call);

    std::size_t in_flight() const; // started, not answered
    std::size_t queued() const;    // waiting for a slot

    // The work of one I/O thread, made on that thread (http::ServerOptions::loop_work).
    // Destroying it ends its calls as Cancelled, on that thread.
    std::unique_ptr<http::LoopWork> make_loop_work();

  private:
    friend class LoopUpstream;
    ProviderLimits& limits(const std::string& provider_id); // made on first use, then stable

    std::size_t concurrency_;
    std::size_t queue_limit_;
    store::DatabaseAddress cache_db_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<ProviderLimits>> limits_;  // by provider id
    std::map<std::string, std::unique_ptr<UpstreamWorker>> workers_; // by provider id
    std::vector<LoopUpstream*> loops_;                               // registered by each
};

} // namespace llmops::serve
