#pragma once
// The calls of one provider that one driver runs: waiting for a slot, in flight (at most
// `concurrency`), waiting for a retry; their attempts through libcurl (http::HttpTransport) for
// HTTP providers or the engine's backend for exec and echo; retries (a streamed call only
// until its first chunk was forwarded), the response cache, secrets scrubbed from whatever
// comes back, and cost from the price table. Not thread-safe except wake(): the driver that
// owns it (a worker thread, or a gateway I/O thread's loop) makes every other call.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "provider/chat_types.hpp"
#include "provider/credentials.hpp"
#include "provider/provider_config.hpp"
#include "provider/request_codec.hpp"
#include "provider/response_cache.hpp"
#include "serve/upstream_pool.hpp"
#include "store/database.hpp"

namespace llmops::http {
class HttpTransport;
struct HttpResponse;
} // namespace llmops::http

namespace llmops::provider {
class ProviderBackend;
struct AttemptResult;
} // namespace llmops::provider

namespace llmops::serve {

// What every thread running one provider's calls shares: the provider's limits and two
// counters changed when a call comes in, starts and is answered, so that no moment between
// threads, waiting lines and active sets can show room that is not there.
struct ProviderLimits {
    std::size_t concurrency = 1; // calls started and not answered, over every thread
    std::size_t admission = 1;   // calls admitted and not answered: concurrency + queue
    std::atomic<std::size_t> admitted{0};
    std::atomic<std::size_t> running{0};

    // Takes one of `limit` places of `counter` unless all are taken.
    static bool take(std::atomic<std::size_t>& counter, std::size_t limit) {
        std::size_t n = counter.load();
        do {
            if (n >= limit) return false;
        } while (!counter.compare_exchange_weak(n, n + 1));
        return true;
    }
};

class ProviderCalls {
  public:
    using Clock = std::chrono::steady_clock;

    // The caller admitted each call it adds (limits.admitted); its answer gives that place back.
    ProviderCalls(const provider::ProviderConfig& config, ProviderLimits& limits,
                  store::DatabaseAddress cache_db);
    ~ProviderCalls();
    ProviderCalls(const ProviderCalls&) = delete;
    ProviderCalls& operator=(const ProviderCalls&) = delete;

    static bool is_http(const provider::ProviderConfig& config);

    void add(UpstreamCall&& call, Clock::time_point enqueued);
    // One round: starts the retries that are due and waiting calls while slots are free,
    // drives the attempts (waiting up to `wait` for one to end; 0 = only what is ready;
    // `sockets` false = an HTTP provider's timer only, as right after add()) and answers what
    // ended. Returns true when there may be more to do at once.
    bool step(std::chrono::milliseconds wait, bool sockets = true);
    // When step() must run next at the latest (retries, libcurl's timer, the cache's flush, a
    // slot another thread may have freed).
    std::optional<Clock::time_point> due() const;
    int event_fd() const; // the transport's, -1 for exec and echo
    void wake();          // thread-safe: a step() waiting in another thread returns
    bool idle() const { return active_.empty() && waiting_.empty(); }
    std::size_t in_flight() const { return active_.size(); } // started, not answered
    ProviderLimits& limits() const { return limits_; }
    // Everything not answered ends as Cancelled with `why`.
    void cancel_all(const std::string& why);

  private:
    struct Waiting {
        UpstreamCall call;
        Clock::time_point enqueued;
    };
    struct Active;

    bool answer_from_cache(Active& a);
    void flush_cache();
    void start_attempt(std::uint64_t ticket);
    void finish_http(http::HttpResponse& response);
    void finish_attempt(std::uint64_t ticket, provider::ChatResult&& r,
                        std::optional<double> retry_after);
    void answer(UpstreamCall& call, UpstreamOutcome&& out);
    void drop_cache();

    provider::ProviderConfig config_;
    ProviderLimits& limits_;
    store::DatabaseAddress cache_db_;
    bool starved_ = false; // calls wait while every slot is taken (maybe by other threads)
    std::optional<provider::ResponseCache> cache_; // opened on first use
    std::optional<provider::RequestKeyer> keyer_;
    Clock::time_point cache_flushed_;
    std::string api_key_;
    provider::SecretScrubber secrets_;
    std::mt19937_64 rng_;
    std::unique_ptr<provider::RequestCodec> plain_codec_;
    std::unique_ptr<provider::RequestCodec> stream_codec_;
    std::string url_;
    std::unique_ptr<http::HttpTransport> transport_;
    std::unique_ptr<provider::ProviderBackend> backend_;
    std::vector<http::HttpResponse> http_done_;
    std::vector<provider::AttemptResult> backend_done_;

    std::deque<Waiting> waiting_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Active>> active_;
    std::multimap<Clock::time_point, std::uint64_t> retries_; // due -> ticket
    std::uint64_t next_ticket_ = 1;
};

} // namespace llmops::serve
