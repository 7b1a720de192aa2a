#pragma once
// Runs many chat requests against one provider: concurrency, retries with backoff and jitter
// (honouring Retry-After), requests- and tokens-per-minute limits, the response cache, cost.
// Results are delivered as they complete (any order, with the request's index), on the thread
// that called run(). Progress counters may be read from any thread; cancel() may be called
// from any thread (it wakes the loop at once). A SIGINT handler sets EngineOptions::cancel
// instead (an atomic store is async-signal-safe); the loop checks it at least every 100 ms.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"
#include "store/database.hpp"

namespace llmops::provider {

struct EngineOptions {
    std::size_t concurrency = 8;
    // Override the provider's own settings when set.
    std::optional<int> max_retries;
    std::optional<double> timeout_s;
    std::optional<double> requests_per_minute;
    std::optional<double> tokens_per_minute;
    // The response cache lives in this database (the project's store, migrated); empty = no
    // cache. The cache opens its own connection to it.
    store::DatabaseAddress cache_db;
    bool read_cache = true;  // false: --no-cache (ask the provider every time)
    bool write_cache = true; // store successful answers
    // Stop the whole run with Error(Provider) on an auth failure, or when the endpoint is
    // unreachable (connection errors after all retries) before anything succeeded.
    bool fail_fast = true;
    // Also checked between requests: set it from a SIGINT handler.
    const std::atomic<bool>* cancel = nullptr;
    // Verbose log lines (requests with redacted headers, statuses, retries). Called on the
    // run() thread.
    std::function<void(std::string_view)> log;
    std::uint64_t seed = 0; // jitter; 0 = random
};

// The provider as a run uses it: `config` with the overrides of `options` (--max-retries,
// --timeout, --rpm, --tpm) applied. What a run records must be this, not the declaration.
void apply_engine_overrides(ProviderConfig& config, const EngineOptions& options);

struct ProgressSnapshot {
    std::uint64_t started = 0; // requests taken from the source
    std::uint64_t done = 0;    // results delivered
    std::uint64_t succeeded = 0;
    std::uint64_t errors = 0;
    std::uint64_t retries = 0;
    std::uint64_t cache_hits = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
    double cost_usd = 0;
};

struct BatchSummary {
    ProgressSnapshot totals;
    double wall_s = 0;
    bool cancelled = false;
};

class BatchRunner {
  public:
    // Reads the API key from the environment now: a missing variable throws Error(Provider)
    // naming it, before any request is made.
    BatchRunner(ProviderConfig config, EngineOptions options);
    ~BatchRunner();
    BatchRunner(const BatchRunner&) = delete;
    BatchRunner& operator=(const BatchRunner&) = delete;

    // Pulled only when a request can start, so a huge dataset is never all in memory.
    using RequestSource = std::function<std::optional<ChatRequest>()>;
    // index = the position of the request in the source (0-based).
    using ResultSink = std::function<void(std::size_t index, ChatResult&& result)>;

    // Called between polls, at least every 100 ms, so a caller can act on time (commit the
    // rows it holds) while every request in flight hangs.
    using Tick = std::function<void()>;

    // Runs until the source is exhausted and every request has a result (answered, failed
    // after its retries, or Cancelled). Throws Error(Provider) for fail_fast conditions.
    BatchSummary run(const RequestSource& next, const ResultSink& on_result,
                     const Tick& on_tick = {});
    BatchSummary run(std::vector<ChatRequest> requests, const ResultSink& on_result);

    void cancel() noexcept;
    ProgressSnapshot progress() const;
    const ProviderConfig& config() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One request, with the same retries and limits (for judges and one-off calls).
ChatResult complete(const ProviderConfig& config, const ChatRequest& request,
                    EngineOptions options = {});

} // namespace llmops::provider
