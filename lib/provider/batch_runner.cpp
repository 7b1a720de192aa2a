#include "provider/batch_runner.hpp"

#include "core/error.hpp"
#include "provider/cost.hpp"
#include "provider/credentials.hpp"
#include "provider/provider_backend.hpp"
#include "provider/rate_limiter.hpp"
#include "provider/response_cache.hpp"
#include "provider/retry_policy.hpp"

#include <algorithm>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_map>

namespace llmops::provider {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMaxPollWait = std::chrono::milliseconds(100);

struct Job {
    std::size_t index = 0;
    ChatRequest request;
    std::string cache_key;
    double estimated_tokens = 0;
    int attempts = 0;
};

// Relaxed atomics: counters for display, no ordering needed.
struct Counters {
    std::atomic<std::uint64_t> started{0}, done{0}, succeeded{0}, errors{0}, retries{0},
        cache_hits{0}, in_flight{0}, prompt_tokens{0}, completion_tokens{0};
    std::atomic<std::uint64_t> cost_nano_usd{0};

    ProgressSnapshot snapshot() const {
        auto r = std::memory_order_relaxed;
        return ProgressSnapshot{
            started.load(r),           done.load(r),
            succeeded.load(r),         errors.load(r),
            retries.load(r),           cache_hits.load(r),
            in_flight.load(r),         prompt_tokens.load(r),
            completion_tokens.load(r), static_cast<double>(cost_nano_usd.load(r)) / 1e9};
    }
};

double estimate_request_tokens(const ProviderConfig& config, const ChatRequest& request) {
    double tokens = 0;
    for (const auto& m : request.messages)
        tokens += static_cast<double>(estimate_tokens(m.content));
    // Providers count max_tokens against a tokens-per-minute budget up front.
    for (const nlohmann::json* params : {&request.parameters, &config.parameters})
        if (params->is_object())
            if (auto it = params->find("max_tokens"); it != params->end() && it->is_number()) {
                tokens += it->get<double>();
                break;
            }
    return tokens;
}

// What one run() call works on: the queues of jobs and the helpers of the provider.
struct RunState {
    RunState(const ProviderConfig& cfg, ProviderBackend& backend)
        : cfg(cfg), backend(backend), limiter(cfg.requests_per_minute, cfg.tokens_per_minute),
          keyer(cfg) {}

    const ProviderConfig& cfg;
    ProviderBackend& backend;
    RateLimiter limiter;
    RequestKeyer keyer;
    std::optional<ResponseCache> cache;
    bool caching = false;
    std::mt19937_64 rng;

    std::unordered_map<std::uint64_t, std::unique_ptr<Job>> in_flight;
    std::multimap<Clock::time_point, std::unique_ptr<Job>> waiting; // retries, by due time
    std::deque<std::unique_ptr<Job>> ready;
    std::vector<AttemptResult> finished;
    std::uint64_t next_ticket = 1;
    std::size_t next_index = 0;
    bool source_done = false;
    bool any_success = false;
};

} // namespace

struct BatchRunner::Impl {
    ProviderConfig config;
    EngineOptions options;
    std::string api_key;
    SecretScrubber secrets; // applied to every result before anyone sees it
    std::atomic<bool> cancelled{false};
    // The backend of the run in progress, for cancel() to wake its poll.
    std::mutex backend_mutex;
    ProviderBackend* active_backend = nullptr;
    Counters counters;

    bool is_cancelled() const {
        return cancelled.load() || (options.cancel && options.cancel->load());
    }

    void count_result(const ChatResult& r) {
        auto rel = std::memory_order_relaxed;
        counters.done.fetch_add(1, rel);
        (r.ok() ? counters.succeeded : counters.errors).fetch_add(1, rel);
        counters.prompt_tokens.fetch_add(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.prompt_tokens)), rel);
        counters.completion_tokens.fetch_add(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.completion_tokens)), rel);
        counters.cost_nano_usd.fetch_add(static_cast<std::uint64_t>(r.cost_usd * 1e9), rel);
    }

    BatchSummary run(const RequestSource& next, const ResultSink& on_result, const Tick& on_tick);

  private:
    void deliver(Job& job, ChatResult&& result, const ResultSink& on_result);
    void log(const std::string& line) const {
        if (options.log) options.log(line);
    }
    void cancel_all(RunState& state, const ResultSink& on_result);
    std::unique_ptr<Job> next_job(RunState& state, const RequestSource& next,
                                  const ResultSink& on_result);
    Clock::duration start_jobs(RunState& state, const RequestSource& next,
                               const ResultSink& on_result, Clock::time_point now);
    Clock::duration poll_wait(const RunState& state, Clock::time_point now,
                              Clock::duration limiter_wait) const;
    void finish_attempt(RunState& state, AttemptResult& attempt, const ResultSink& on_result);
};

void apply_engine_overrides(ProviderConfig& config, const EngineOptions& options) {
    if (options.max_retries) config.retry.max_retries = std::max(0, *options.max_retries);
    if (options.timeout_s) config.timeout_s = *options.timeout_s;
    if (options.requests_per_minute) config.requests_per_minute = *options.requests_per_minute;
    if (options.tokens_per_minute) config.tokens_per_minute = *options.tokens_per_minute;
}

BatchRunner::BatchRunner(ProviderConfig config, EngineOptions options)
    : impl_(std::make_unique<Impl>()) {
    apply_engine_overrides(config, options);
    options.concurrency = std::max<std::size_t>(1, options.concurrency);
    impl_->api_key = read_api_key(config);
    impl_->secrets = SecretScrubber(config, impl_->api_key);
    impl_->config = std::move(config);
    impl_->options = std::move(options);
}

BatchRunner::~BatchRunner() = default;

void BatchRunner::cancel() noexcept {
    impl_->cancelled.store(true);
    std::lock_guard lock(impl_->backend_mutex);
    if (impl_->active_backend) impl_->active_backend->wakeup();
}
ProgressSnapshot BatchRunner::progress() const {
    return impl_->counters.snapshot();
}
const ProviderConfig& BatchRunner::config() const {
    return impl_->config;
}

BatchSummary BatchRunner::run(const RequestSource& next, const ResultSink& on_result,
                              const Tick& on_tick) {
    return impl_->run(next, on_result, on_tick);
}

BatchSummary BatchRunner::run(std::vector<ChatRequest> requests, const ResultSink& on_result) {
    std::size_t at = 0;
    return impl_->run(
        [&]() -> std::optional<ChatRequest> {
            if (at >= requests.size()) return std::nullopt;
            return std::move(requests[at++]);
        },
        on_result, {});
}

void BatchRunner::Impl::deliver(Job& job, ChatResult&& result, const ResultSink& on_result) {
    count_result(result);
    on_result(job.index, std::move(result));
}

// Every job not yet answered gets a Cancelled result.
void BatchRunner::Impl::cancel_all(RunState& state, const ResultSink& on_result) {
    state.backend.abort_all();
    auto cancel_job = [&](std::unique_ptr<Job>& job) {
        ChatResult r;
        r.error = ProviderErrorKind::Cancelled;
        r.error_message = "cancelled";
        r.attempts = job->attempts;
        deliver(*job, std::move(r), on_result);
    };
    for (auto& [_, job] : state.in_flight)
        cancel_job(job);
    for (auto& [_, job] : state.waiting)
        cancel_job(job);
    for (auto& job : state.ready)
        cancel_job(job);
    counters.in_flight.store(0, std::memory_order_relaxed);
}

// The next job to start: a retry, else a new request. New requests answered from the cache
// are delivered here and take no slot. Null when there is nothing to start now.
std::unique_ptr<Job> BatchRunner::Impl::next_job(RunState& state, const RequestSource& next,
                                                 const ResultSink& on_result) {
    const ProviderConfig& cfg = state.cfg;
    while (true) {
        if (!state.ready.empty()) {
            std::unique_ptr<Job> job = std::move(state.ready.front());
            state.ready.pop_front();
            return job;
        }
        if (state.source_done) return nullptr;
        std::optional<ChatRequest> request = next();
        if (!request) {
            state.source_done = true;
            return nullptr;
        }
        auto job = std::make_unique<Job>();
        job->index = state.next_index++;
        job->request = std::move(*request);
        counters.started.fetch_add(1, std::memory_order_relaxed);
        if (state.caching) {
            job->cache_key = state.keyer.key(job->request);
            if (options.read_cache) {
                if (auto hit = state.cache->get(job->cache_key, to_string(cfg.type))) {
                    secrets.scrub(*hit); // written before a key was known to be echoed
                    hit->cost_usd = cost_usd(cfg.price, hit->prompt_tokens, hit->completion_tokens);
                    counters.cache_hits.fetch_add(1, std::memory_order_relaxed);
                    deliver(*job, std::move(*hit), on_result);
                    if (is_cancelled()) return nullptr;
                    continue;
                }
            }
        }
        job->estimated_tokens = estimate_request_tokens(cfg, job->request);
        return job;
    }
}

// Starts what may start within the concurrency and the rate limits; returns how long the
// limiter asks the next job to wait (zero when it did not stop anything).
Clock::duration BatchRunner::Impl::start_jobs(RunState& state, const RequestSource& next,
                                              const ResultSink& on_result, Clock::time_point now) {
    Clock::duration limiter_wait = Clock::duration::zero();
    while (state.in_flight.size() < options.concurrency) {
        std::unique_ptr<Job> job = next_job(state, next, on_result);
        if (!job) break;
        limiter_wait = state.limiter.wait_for(job->estimated_tokens, now);
        if (limiter_wait > Clock::duration::zero()) {
            state.ready.push_front(std::move(job));
            break;
        }
        state.limiter.take(job->estimated_tokens, now);
        ++job->attempts;
        std::uint64_t ticket = state.next_ticket++;
        state.backend.start(ticket, job->request);
        state.in_flight.emplace(ticket, std::move(job));
    }
    counters.in_flight.store(state.in_flight.size(), std::memory_order_relaxed);
    return limiter_wait;
}

// How long to wait for answers before the loop has something else to do.
Clock::duration BatchRunner::Impl::poll_wait(const RunState& state, Clock::time_point now,
                                             Clock::duration limiter_wait) const {
    auto wait = std::chrono::duration_cast<Clock::duration>(kMaxPollWait);
    if (!state.waiting.empty()) wait = std::min(wait, state.waiting.begin()->first - now);
    if (limiter_wait > Clock::duration::zero()) wait = std::min(wait, limiter_wait);
    if (!state.ready.empty() && limiter_wait == Clock::duration::zero() &&
        state.in_flight.size() < options.concurrency)
        wait = Clock::duration::zero();
    return std::max(wait, Clock::duration::zero());
}

// An attempt came back: schedule a retry, or deliver the result (caching an answer).
// Throws Error(Provider) for the fail_fast conditions.
void BatchRunner::Impl::finish_attempt(RunState& state, AttemptResult& attempt,
                                       const ResultSink& on_result) {
    const ProviderConfig& cfg = state.cfg;
    auto node = state.in_flight.extract(attempt.ticket);
    if (node.empty()) return;
    std::unique_ptr<Job> job = std::move(node.mapped());
    ChatResult& r = attempt.result;
    secrets.scrub(r); // before it is logged, cached or delivered
    r.attempts = job->attempts;
    if (r.ok())
        state.limiter.settle(job->estimated_tokens,
                             static_cast<double>(r.prompt_tokens + r.completion_tokens));
    if (!r.ok() && r.error != ProviderErrorKind::Cancelled &&
        is_retryable(r.error, r.http_status) && job->attempts <= cfg.retry.max_retries) {
        double delay = retry_delay_ms(cfg.retry, job->attempts, attempt.retry_after_s, state.rng);
        counters.retries.fetch_add(1, std::memory_order_relaxed);
        log(fmt::format("retry {}/{} of request {} in {:.0f} ms: {}", job->attempts,
                        cfg.retry.max_retries, job->index, delay, r.error_message));
        auto due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double, std::milli>(delay));
        state.waiting.emplace(due, std::move(job));
        return;
    }
    if (r.ok()) {
        state.any_success = true;
        r.cost_usd = cost_usd(cfg.price, r.prompt_tokens, r.completion_tokens);
        if (state.caching && options.write_cache)
            state.cache->put(job->cache_key, r, to_string(cfg.type),
                             r.model.empty() ? cfg.model : r.model);
    } else if (job->attempts > 1) {
        r.error_message += fmt::format(" (after {} attempts)", job->attempts);
    }
    if (options.fail_fast &&
        (r.error == ProviderErrorKind::Auth || (attempt.unreachable && !state.any_success))) {
        state.backend.abort_all();
        counters.in_flight.store(0, std::memory_order_relaxed);
        std::string what = r.error == ProviderErrorKind::Auth
                               ? "provider '" + cfg.id + "' rejected the API key: "
                               : "provider '" + cfg.id + "' is unreachable: ";
        const std::string hint =
            r.error == ProviderErrorKind::Auth
                ? "check the key in " +
                      (cfg.api_key_env.empty() ? std::string("the config") : cfg.api_key_env)
                : "check base_url and that the server is running";
        throw Error(ErrorKind::Provider, what + r.error_message,
                    ErrorLocation{.http_status = r.http_status}, hint);
    }
    deliver(*job, std::move(r), on_result);
}

BatchSummary BatchRunner::Impl::run(const RequestSource& next, const ResultSink& on_result,
                                    const Tick& on_tick) {
    const auto wall_start = Clock::now();
    BackendOptions backend_options{options.concurrency, options.log};
    std::unique_ptr<ProviderBackend> backend = make_backend(config, api_key, backend_options);
    {
        std::lock_guard lock(backend_mutex);
        active_backend = backend.get();
    }
    // Clears active_backend on every way out, exceptions included.
    struct BackendRegistration {
        Impl& impl;
        ~BackendRegistration() {
            std::lock_guard lock(impl.backend_mutex);
            impl.active_backend = nullptr;
        }
    } registration{*this};
    RunState state(config, *backend);
    state.caching = !options.cache_db.empty() && config.type != ProviderType::Echo &&
                    (options.read_cache || options.write_cache);
    if (state.caching) state.cache.emplace(options.cache_db);
    state.rng.seed(options.seed ? options.seed : std::random_device{}());

    while (true) {
        if (is_cancelled()) {
            cancel_all(state, on_result);
            break;
        }
        auto now = Clock::now();
        while (!state.waiting.empty() && state.waiting.begin()->first <= now) {
            state.ready.push_back(std::move(state.waiting.begin()->second));
            state.waiting.erase(state.waiting.begin());
        }
        Clock::duration limiter_wait = start_jobs(state, next, on_result, now);
        if (state.in_flight.empty() && state.waiting.empty() && state.ready.empty() &&
            state.source_done)
            break;
        state.finished.clear();
        backend->poll(state.finished, std::chrono::ceil<std::chrono::milliseconds>(
                                          poll_wait(state, now, limiter_wait)));
        for (auto& attempt : state.finished)
            finish_attempt(state, attempt, on_result);
        counters.in_flight.store(state.in_flight.size(), std::memory_order_relaxed);
        if (on_tick) on_tick();
    }
    if (state.cache) state.cache->flush();
    BatchSummary summary;
    summary.totals = counters.snapshot();
    summary.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
    summary.cancelled = is_cancelled();
    return summary;
}

ChatResult complete(const ProviderConfig& config, const ChatRequest& request,
                    EngineOptions options) {
    options.concurrency = 1;
    BatchRunner runner(config, std::move(options));
    ChatResult out;
    runner.run(std::vector<ChatRequest>{request},
               [&](std::size_t, ChatResult&& result) { out = std::move(result); });
    return out;
}

} // namespace llmops::provider
