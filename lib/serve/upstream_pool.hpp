#pragma once
// The gateway's side of the provider engine: one worker thread per provider drives its calls
// (libcurl multi through http::HttpTransport for HTTP providers, the engine's backends for
// exec and echo), at most `concurrency` at once and at most `queue_limit` waiting, with the
// provider's retries (a streamed call only until its first chunk was forwarded), secrets
// scrubbed from whatever comes back, and cost from the price table. Streamed answers of
// OpenAI-compatible providers are forwarded chunk by chunk as they arrive.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

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
    // secrets scrubbed, on the worker thread ("[DONE]" is not passed on). Providers that cannot
    // stream (anthropic, exec, echo) never call it: the caller builds the stream from the result.
    std::function<void(std::string_view data)> on_chunk;
    // Exactly once, on the worker thread.
    std::function<void(UpstreamOutcome&&)> on_done;
};

class UpstreamWorker;

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

  private:
    std::size_t concurrency_;
    std::size_t queue_limit_;
    store::DatabaseAddress cache_db_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<UpstreamWorker>> workers_; // by provider id
};

} // namespace llmops::serve
