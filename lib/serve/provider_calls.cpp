#include "serve/provider_calls.hpp"

#include "core/time.hpp"
#include "http/http_transport.hpp"
#include "http/sse_parser.hpp"
#include "provider/cost.hpp"
#include "provider/provider_backend.hpp"
#include "provider/retry_policy.hpp"

namespace llmops::serve {

using Clock = ProviderCalls::Clock;
using provider::ChatResult;
using provider::ProviderErrorKind;

namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

constexpr auto kCacheFlushEvery = std::chrono::milliseconds(100);
// How often calls waiting for a slot look again: a slot freed on another thread does not wake
// this one.
constexpr auto kSlotRecheck = std::chrono::milliseconds(1);

} // namespace

// One call from its first start to its answer, across retries.
struct ProviderCalls::Active {
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

bool ProviderCalls::is_http(const provider::ProviderConfig& config) {
    return config.type != provider::ProviderType::Exec &&
           config.type != provider::ProviderType::Echo;
}

ProviderCalls::ProviderCalls(const provider::ProviderConfig& config, ProviderLimits& limits,
                             store::DatabaseAddress cache_db)
    : config_(config), limits_(limits), cache_db_(std::move(cache_db)),
      api_key_(provider::read_api_key(config)), secrets_(config, api_key_),
      rng_(std::random_device{}()) {
    const std::size_t concurrency = std::max<std::size_t>(1, limits.concurrency);
    if (is_http(config)) {
        provider::ProviderConfig plain = config;
        plain.stream = false;
        provider::ProviderConfig streaming = config;
        streaming.stream = config.type != provider::ProviderType::Anthropic;
        plain_codec_ = provider::make_codec(plain);
        stream_codec_ = provider::make_codec(streaming);
        url_ = config.endpoint_url();
        transport_ = std::make_unique<http::HttpTransport>(concurrency);
    } else {
        backend_ = provider::make_backend(config, api_key_, {concurrency, {}});
    }
}

ProviderCalls::~ProviderCalls() {
    flush_cache();
}

void ProviderCalls::add(UpstreamCall&& call, Clock::time_point enqueued) {
    waiting_.push_back({std::move(call), enqueued});
}

bool ProviderCalls::step(std::chrono::milliseconds wait, bool sockets) {
    bool more = false;
    auto now = Clock::now();
    while (!retries_.empty() && retries_.begin()->first <= now) {
        std::uint64_t ticket = retries_.begin()->second;
        retries_.erase(retries_.begin());
        start_attempt(ticket);
    }
    // New answers reach the cache at once when idle, else every 100 ms, and before the lookups
    // below.
    if (cache_ && (active_.empty() || now - cache_flushed_ > kCacheFlushEvery)) flush_cache();
    // A call holds its slot from its first start to its answer, retries included.
    starved_ = false;
    while (!waiting_.empty()) {
        if (!ProviderLimits::take(limits_.running, limits_.concurrency)) {
            starved_ = true;
            break;
        }
        auto a = std::make_unique<Active>();
        a->call = std::move(waiting_.front().call);
        a->enqueued = waiting_.front().enqueued;
        waiting_.pop_front();
        a->first_start = Clock::now();
        if (a->call.use_cache && answer_from_cache(*a)) {
            limits_.running.fetch_sub(1);
            continue;
        }
        std::uint64_t ticket = next_ticket_++;
        active_.emplace(ticket, std::move(a));
        start_attempt(ticket);
    }
    if (!retries_.empty())
        wait =
            std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(std::max(
                               retries_.begin()->first - Clock::now(), Clock::duration::zero())));
    if (starved_) wait = std::min(wait, kSlotRecheck);
    if (transport_) {
        http_done_.clear();
        if (!sockets)
            transport_->drive_timer(http_done_);
        else if (wait.count() == 0)
            more = transport_->drive_ready(http_done_);
        else
            transport_->poll(http_done_, wait);
        for (auto& response : http_done_)
            finish_http(response);
        more = more || !http_done_.empty();
    } else if (!active_.empty()) {
        backend_done_.clear();
        backend_->poll(backend_done_, config_.type == provider::ProviderType::Echo
                                          ? std::chrono::milliseconds(0)
                                          : wait);
        for (auto& attempt : backend_done_)
            finish_attempt(attempt.ticket, std::move(attempt.result), attempt.retry_after_s);
        more = !backend_done_.empty();
    }
    // Answers free slots; calls that arrived meanwhile (an answer's fallback) wait.
    return more || (!waiting_.empty() && limits_.running.load() < limits_.concurrency);
}

std::optional<Clock::time_point> ProviderCalls::due() const {
    std::optional<Clock::time_point> at;
    auto earliest = [&at](Clock::time_point t) { at = at ? std::min(*at, t) : t; };
    if (!retries_.empty()) earliest(retries_.begin()->first);
    if (transport_)
        if (auto timer = transport_->next_timer()) earliest(*timer);
    if (cache_) earliest(cache_flushed_ + kCacheFlushEvery);
    if (starved_) earliest(Clock::now() + kSlotRecheck);
    return at;
}

int ProviderCalls::event_fd() const {
    return transport_ ? transport_->event_fd() : -1;
}

void ProviderCalls::wake() {
    if (transport_) transport_->wakeup();
    if (backend_) backend_->wakeup();
}

void ProviderCalls::cancel_all(const std::string& why) {
    flush_cache();
    if (transport_) transport_->abort_all();
    if (backend_) backend_->abort_all();
    auto cancel = [&](UpstreamCall& call, Clock::time_point enqueued) {
        UpstreamOutcome out;
        out.result.error = ProviderErrorKind::Cancelled;
        out.result.error_message = why;
        out.queue_ms = ms_between(enqueued, Clock::now());
        answer(call, std::move(out));
    };
    auto active = std::move(active_);
    auto waiting = std::move(waiting_);
    active_.clear();
    waiting_.clear();
    retries_.clear();
    for (auto& [_, a] : active) {
        limits_.running.fetch_sub(1);
        cancel(a->call, a->enqueued);
    }
    for (auto& w : waiting)
        cancel(w.call, w.enqueued);
}

void ProviderCalls::drop_cache() {
    cache_.reset();
    keyer_.reset();
}

// A hit answers the call at once (no slot, no attempt); a miss remembers the key so that a
// successful answer is stored. A cache the store refuses is dropped for these calls.
bool ProviderCalls::answer_from_cache(Active& a) {
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
        drop_cache();
        a.cache_key.clear();
        return false;
    }
}

void ProviderCalls::flush_cache() {
    if (!cache_) return;
    try {
        cache_->flush();
        cache_->release_snapshot();
    } catch (const std::exception&) {
        drop_cache();
    }
    cache_flushed_ = Clock::now();
}

void ProviderCalls::start_attempt(std::uint64_t ticket) {
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
    call.body =
        codec.body(a.call.request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    call.timeout_s = config_.timeout_s;
    if (streaming) {
        a.decoder = codec.stream_decoder();
        Active* ap = &a; // owned by a unique_ptr: stable
        a.events =
            std::make_unique<http::SseParser>([this, ap](std::string_view, std::string_view data) {
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

void ProviderCalls::finish_http(http::HttpResponse& response) {
    auto it = active_.find(response.ticket);
    if (it == active_.end()) return;
    Active& a = *it->second;
    ChatResult r;
    r.latency_ms = ms_between(a.attempt_start, Clock::now());
    r.http_status = response.status;
    std::optional<double> retry_after;
    if (!response.transport_ok) {
        r.error = response.timed_out ? ProviderErrorKind::Timeout : ProviderErrorKind::Connection;
        r.error_message = secrets_.scrub(response.timed_out ? "no answer in time from " + url_
                                                            : url_ + ": " + response.error);
    } else if (response.status < 200 || response.status >= 300) {
        r.error = provider::error_kind_for_status(response.status);
        r.error_message =
            secrets_.scrub("HTTP " + std::to_string(response.status) + " from " + url_ + ": " +
                           provider::error_message_from_body(response.body));
        if (response.retry_after)
            retry_after = provider::parse_retry_after(*response.retry_after, now_unix_ms() / 1000);
    } else if (a.decoder) {
        a.events->finish();
        a.decoder->finish(r);
        r.ttft_ms = a.ttft_ms;
    } else {
        (a.call.stream ? stream_codec_ : plain_codec_)->parse_response(response.body, r);
    }
    secrets_.scrub(r);
    finish_attempt(response.ticket, std::move(r), retry_after);
}

void ProviderCalls::finish_attempt(std::uint64_t ticket, ChatResult&& r,
                                   std::optional<double> retry_after) {
    auto it = active_.find(ticket);
    if (it == active_.end()) return;
    Active& a = *it->second;
    if (!r.ok() && r.error != ProviderErrorKind::Cancelled && !a.forwarded &&
        provider::is_retryable(r.error, r.http_status) && a.attempts <= config_.retry.max_retries) {
        double delay = provider::retry_delay_ms(config_.retry, a.attempts, retry_after, rng_);
        retries_.emplace(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double, std::milli>(delay)),
                         ticket);
        return;
    }
    std::unique_ptr<Active> done = std::move(it->second);
    active_.erase(it);
    limits_.running.fetch_sub(1);
    r.attempts = done->attempts;
    if (r.ok()) {
        r.cost_usd = provider::cost_usd(config_.price, r.prompt_tokens, r.completion_tokens);
        if (cache_ && !done->cache_key.empty()) {
            try {
                cache_->put(done->cache_key, r, provider::to_string(config_.type),
                            r.model.empty() ? config_.model : r.model);
            } catch (const std::exception&) {
                drop_cache();
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

// Every call add() took ends here exactly once. An exception from on_done has nowhere to go
// (the loop answering other calls must go on): the call was answered all the same.
void ProviderCalls::answer(UpstreamCall& call, UpstreamOutcome&& out) {
    limits_.admitted.fetch_sub(1);
    if (!call.on_done) return;
    try {
        call.on_done(std::move(out));
    } catch (const std::exception&) {
    }
}

} // namespace llmops::serve
