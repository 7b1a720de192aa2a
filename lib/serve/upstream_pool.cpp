#include "serve/upstream_pool.hpp"

#include "core/time.hpp"
#include "http/http_transport.hpp"
#include "http/sse_parser.hpp"
#include "provider/cost.hpp"
#include "provider/credentials.hpp"
#include "provider/provider_backend.hpp"
#include "provider/request_codec.hpp"
#include "provider/response_cache.hpp"
#include "provider/retry_policy.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <random>
#include <thread>
#include <unordered_map>

namespace llmops::serve {

using Clock = std::chrono::steady_clock;
using provider::ChatResult;
using provider::ProviderErrorKind;

namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Waiting {
    UpstreamCall call;
    Clock::time_point enqueued;
};

// One call from its first start to its answer, across retries.
struct Active {
    UpstreamCall call;
    Clock::time_point enqueued;
    Clock::time_point first_start;
    Clock::time_point attempt_start;
    int attempts = 0;
    bool forwarded = false;
    std::optional<double> ttft_ms;
    std::unique_ptr<provider::StreamDecoder> decoder;
    std::unique_ptr<http::SseParser> events;
    std::string cache_key; // set when the answer may be cached
};

} // namespace

class UpstreamWorker {
  public:
    UpstreamWorker(const provider::ProviderConfig& config, std::size_t concurrency,
                   std::size_t queue_limit, store::DatabaseAddress cache_db)
        : config_(config), concurrency_(std::max<std::size_t>(1, concurrency)),
          queue_limit_(queue_limit), cache_db_(std::move(cache_db)),
          api_key_(provider::read_api_key(config)), secrets_(config, api_key_),
          rng_(std::random_device{}()) {
        http_ = config.type != provider::ProviderType::Exec &&
                config.type != provider::ProviderType::Echo;
        if (http_) {
            provider::ProviderConfig plain = config;
            plain.stream = false;
            provider::ProviderConfig streaming = config;
            streaming.stream = config.type != provider::ProviderType::Anthropic;
            plain_codec_ = provider::make_codec(plain);
            stream_codec_ = provider::make_codec(streaming);
            url_ = config.endpoint_url();
            transport_ = std::make_unique<http::HttpTransport>(concurrency_);
        } else {
            backend_ = provider::make_backend(config, api_key_, {concurrency_, {}});
        }
        thread_ = std::thread([this] { loop(); });
    }

    ~UpstreamWorker() {
        stopping_.store(true);
        wake();
        thread_.join();
    }

    bool submit(UpstreamCall&& call) {
        bool was_empty = false;
        {
            std::lock_guard lock(mutex_);
            if (admitted_.load() >= queue_limit_ + concurrency_) return false;
            admitted_.fetch_add(1);
            was_empty = inbox_.empty();
            inbox_.push_back({std::move(call), Clock::now()});
        }
        // The worker empties the whole inbox after every wake and before it waits again, so a
        // call joining a non-empty inbox is already covered by the wake of the first one.
        if (was_empty) wake();
        return true;
    }

    std::size_t in_flight() const { return active_count_.load(); }
    std::size_t queued() const {
        std::size_t admitted = admitted_.load(), active = active_count_.load();
        return admitted > active ? admitted - active : 0;
    }

  private:
    void wake() {
        if (transport_) transport_->wakeup();
        if (backend_) backend_->wakeup();
        std::lock_guard lock(mutex_);
        arrived_.notify_all();
    }

    void loop() {
        std::deque<Waiting> waiting;
        std::multimap<Clock::time_point, std::uint64_t> retries; // due -> ticket
        std::vector<http::HttpResponse> http_done;
        std::vector<provider::AttemptResult> backend_done;
        while (!stopping_.load()) {
            {
                std::lock_guard lock(mutex_);
                while (!inbox_.empty()) {
                    waiting.push_back(std::move(inbox_.front()));
                    inbox_.pop_front();
                }
            }
            auto now = Clock::now();
            while (!retries.empty() && retries.begin()->first <= now) {
                std::uint64_t ticket = retries.begin()->second;
                retries.erase(retries.begin());
                start_attempt(ticket);
            }
            // New answers reach the cache at once when idle, else every 100 ms, and before the
            // lookups below.
            if (cache_ &&
                (active_.empty() || now - cache_flushed_ > std::chrono::milliseconds(100)))
                flush_cache();
            while (active_.size() - retries.size() < concurrency_ && !waiting.empty()) {
                auto a = std::make_unique<Active>();
                a->call = std::move(waiting.front().call);
                a->enqueued = waiting.front().enqueued;
                waiting.pop_front();
                a->first_start = Clock::now();
                if (a->call.use_cache && answer_from_cache(*a)) continue;
                std::uint64_t ticket = next_ticket_++;
                active_.emplace(ticket, std::move(a));
                start_attempt(ticket);
            }

            active_count_.store(active_.size());

            auto wait = std::chrono::milliseconds(100);
            if (!retries.empty())
                wait = std::min(
                    wait, std::chrono::ceil<std::chrono::milliseconds>(std::max(
                              retries.begin()->first - Clock::now(), Clock::duration::zero())));
            if (transport_) {
                http_done.clear();
                transport_->poll(http_done, wait);
                for (auto& response : http_done)
                    finish_http(response, retries);
            } else if (active_.empty()) {
                // Nothing to poll: sleep until a call arrives (echo's backend cannot be woken).
                std::unique_lock lock(mutex_);
                arrived_.wait_for(lock, wait, [this] { return !inbox_.empty() || stopping_; });
            } else {
                backend_done.clear();
                backend_->poll(backend_done, config_.type == provider::ProviderType::Echo
                                                 ? std::chrono::milliseconds(0)
                                                 : wait);
                for (auto& attempt : backend_done)
                    finish_attempt(attempt.ticket, std::move(attempt.result), attempt.retry_after_s,
                                   retries);
            }
            active_count_.store(active_.size());
        }
        flush_cache();
        // Stopping: everything not answered ends as Cancelled.
        if (transport_) transport_->abort_all();
        if (backend_) backend_->abort_all();
        auto cancel = [this](UpstreamCall& call, Clock::time_point enqueued) {
            UpstreamOutcome out;
            out.result.error = ProviderErrorKind::Cancelled;
            out.result.error_message = "the gateway is shutting down";
            out.queue_ms = ms_between(enqueued, Clock::now());
            answer(call, std::move(out));
        };
        for (auto& [_, a] : active_)
            cancel(a->call, a->enqueued);
        for (auto& w : waiting)
            cancel(w.call, w.enqueued);
        std::lock_guard lock(mutex_);
        for (auto& w : inbox_)
            cancel(w.call, w.enqueued);
        inbox_.clear();
    }

    // A hit answers the call at once (no slot, no attempt); a miss remembers the key so that
    // a successful answer is stored. A cache the store refuses is dropped for this worker.
    bool answer_from_cache(Active& a) {
        if (cache_db_.empty() || config_.type == provider::ProviderType::Echo) return false;
        try {
            if (!cache_) {
                cache_.emplace(cache_db_);
                keyer_.emplace(config_);
                cache_flushed_ = Clock::now();
            }
            a.cache_key = keyer_->key(a.call.request);
            auto hit = cache_->get(a.cache_key, provider::to_string(config_.type));
            if (!hit) return false;
            secrets_.scrub(*hit);
            hit->cost_usd = 0; // nothing was spent
            UpstreamOutcome out;
            out.queue_ms = ms_between(a.enqueued, a.first_start);
            out.result = std::move(*hit);
            answer(a.call, std::move(out));
            return true;
        } catch (const std::exception&) {
            cache_.reset();
            keyer_.reset();
            a.cache_key.clear();
            return false;
        }
    }

    void flush_cache() {
        if (!cache_) return;
        try {
            cache_->flush();
            cache_->release_snapshot();
        } catch (const std::exception&) {
            cache_.reset();
            keyer_.reset();
        }
        cache_flushed_ = Clock::now();
    }

    void start_attempt(std::uint64_t ticket) {
        Active& a = *active_.at(ticket);
        ++a.attempts;
        a.attempt_start = Clock::now();
        if (!transport_) {
            backend_->start(ticket, a.call.request);
            return;
        }
        bool streaming = a.call.stream && config_.type != provider::ProviderType::Anthropic;
        const provider::RequestCodec& codec = streaming ? *stream_codec_ : *plain_codec_;
        http::HttpCall call;
        call.url = url_;
        call.headers = codec.headers(api_key_);
        call.body = codec.body(a.call.request)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        call.timeout_s = config_.timeout_s;
        if (streaming) {
            a.decoder = codec.stream_decoder();
            Active* ap = &a; // map nodes are stable
            a.events = std::make_unique<http::SseParser>(
                [this, ap](std::string_view, std::string_view data) {
                    if (data == "[DONE]" || !ap->call.on_chunk) return;
                    ap->forwarded = true;
                    if (secrets_.empty())
                        ap->call.on_chunk(data);
                    else
                        ap->call.on_chunk(secrets_.scrub(data));
                });
            call.on_data = [ap](std::string_view bytes) {
                ap->decoder->feed(bytes);
                if (!ap->ttft_ms && ap->decoder->got_token())
                    ap->ttft_ms = ms_between(ap->attempt_start, Clock::now());
                ap->events->feed(bytes);
            };
        } else {
            a.decoder.reset();
            a.events.reset();
        }
        transport_->start(ticket, std::move(call));
    }

    void finish_http(http::HttpResponse& response,
                     std::multimap<Clock::time_point, std::uint64_t>& retries) {
        auto it = active_.find(response.ticket);
        if (it == active_.end()) return;
        Active& a = *it->second;
        ChatResult r;
        r.latency_ms = ms_between(a.attempt_start, Clock::now());
        r.http_status = response.status;
        std::optional<double> retry_after;
        if (!response.transport_ok) {
            r.error =
                response.timed_out ? ProviderErrorKind::Timeout : ProviderErrorKind::Connection;
            r.error_message = secrets_.scrub(response.timed_out ? "no answer in time from " + url_
                                                                : url_ + ": " + response.error);
        } else if (response.status < 200 || response.status >= 300) {
            r.error = provider::error_kind_for_status(response.status);
            r.error_message =
                secrets_.scrub("HTTP " + std::to_string(response.status) + " from " + url_ + ": " +
                               provider::error_message_from_body(response.body));
            if (response.retry_after)
                retry_after =
                    provider::parse_retry_after(*response.retry_after, now_unix_ms() / 1000);
        } else if (a.decoder) {
            a.events->finish();
            a.decoder->finish(r);
            r.ttft_ms = a.ttft_ms;
        } else {
            (a.call.stream ? stream_codec_ : plain_codec_)->parse_response(response.body, r);
        }
        secrets_.scrub(r);
        finish_attempt(response.ticket, std::move(r), retry_after, retries);
    }

    void finish_attempt(std::uint64_t ticket, ChatResult&& r, std::optional<double> retry_after,
                        std::multimap<Clock::time_point, std::uint64_t>& retries) {
        auto it = active_.find(ticket);
        if (it == active_.end()) return;
        Active& a = *it->second;
        if (!r.ok() && r.error != ProviderErrorKind::Cancelled && !a.forwarded &&
            provider::is_retryable(r.error, r.http_status) &&
            a.attempts <= config_.retry.max_retries) {
            double delay = provider::retry_delay_ms(config_.retry, a.attempts, retry_after, rng_);
            retries.emplace(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double, std::milli>(delay)),
                            ticket);
            return;
        }
        std::unique_ptr<Active> done = std::move(it->second);
        active_.erase(it);
        r.attempts = done->attempts;
        if (r.ok()) {
            r.cost_usd = provider::cost_usd(config_.price, r.prompt_tokens, r.completion_tokens);
            if (cache_ && !done->cache_key.empty()) {
                try {
                    cache_->put(done->cache_key, r, provider::to_string(config_.type),
                                r.model.empty() ? config_.model : r.model);
                } catch (const std::exception&) {
                    cache_.reset();
                    keyer_.reset();
                }
            }
        }
        UpstreamOutcome out;
        out.queue_ms = ms_between(done->enqueued, done->first_start);
        out.upstream_ms = ms_between(done->first_start, Clock::now());
        out.chunks_forwarded = done->forwarded;
        out.result = std::move(r);
        answer(done->call, std::move(out));
    }

    // Every call submit() accepted ends here exactly once.
    void answer(UpstreamCall& call, UpstreamOutcome&& out) {
        admitted_.fetch_sub(1);
        if (call.on_done) call.on_done(std::move(out));
    }

    provider::ProviderConfig config_;
    std::size_t concurrency_;
    std::size_t queue_limit_;
    store::DatabaseAddress cache_db_;
    std::optional<provider::ResponseCache> cache_; // worker thread only, opened on first use
    std::optional<provider::RequestKeyer> keyer_;
    Clock::time_point cache_flushed_;
    std::string api_key_;
    provider::SecretScrubber secrets_;
    std::mt19937_64 rng_;
    bool http_ = false;
    std::unique_ptr<provider::RequestCodec> plain_codec_;
    std::unique_ptr<provider::RequestCodec> stream_codec_;
    std::string url_;
    std::unique_ptr<http::HttpTransport> transport_;
    std::unique_ptr<provider::ProviderBackend> backend_;

    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<Waiting> inbox_;
    // Calls accepted by submit() and not answered yet. One counter, changed when a call comes in
    // and when its answer goes out, so that no moment between the inbox, the waiting line and the
    // active set can make submit() see room that is not there.
    std::atomic<std::size_t> admitted_{0};
    std::atomic<std::size_t> active_count_{0};
    std::atomic<bool> stopping_{false};
    std::unordered_map<std::uint64_t, std::unique_ptr<Active>> active_; // worker thread only
    std::uint64_t next_ticket_ = 1;
    std::thread thread_;
};

UpstreamPool::UpstreamPool(std::size_t concurrency, std::size_t queue_limit,
                           store::DatabaseAddress cache_db)
    : concurrency_(concurrency), queue_limit_(queue_limit), cache_db_(std::move(cache_db)) {}

UpstreamPool::~UpstreamPool() {
    std::lock_guard lock(mutex_);
    workers_.clear();
}

UpstreamPool::Submitted UpstreamPool::submit(const provider::ProviderConfig& config,
                                             UpstreamCall call) {
    UpstreamWorker* worker = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto& slot = workers_[config.id];
        if (!slot) {
            try {
                slot =
                    std::make_unique<UpstreamWorker>(config, concurrency_, queue_limit_, cache_db_);
            } catch (...) {
                workers_.erase(config.id);
                throw;
            }
        }
        worker = slot.get();
    }
    return worker->submit(std::move(call)) ? Submitted::Accepted : Submitted::QueueFull;
}

std::size_t UpstreamPool::in_flight() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [_, w] : workers_)
        n += w->in_flight();
    return n;
}

std::size_t UpstreamPool::queued() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [_, w] : workers_)
        n += w->queued();
    return n;
}

} // namespace llmops::serve
