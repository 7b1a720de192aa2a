#include "provider/provider_backend.hpp"

#include "core/time.hpp"
#include "http/http_transport.hpp"
#include "provider/credentials.hpp"
#include "provider/exec_provider.hpp"
#include "provider/request_codec.hpp"
#include "provider/retry_policy.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace llmops::provider {

namespace {

using Clock = std::chrono::steady_clock;

// Scrubbed before it is cut, so that a cut can never leave part of a secret behind.
void keep_raw(ChatResult& r, std::string_view body, std::size_t limit,
              const SecretScrubber& secrets) {
    std::string scrubbed = secrets.scrub(body);
    r.raw_truncated = scrubbed.size() > limit;
    if (r.raw_truncated) scrubbed.resize(limit);
    r.raw = std::move(scrubbed);
}

class HttpBackend final : public ProviderBackend {
  public:
    HttpBackend(const ProviderConfig& config, std::string api_key, const BackendOptions& options)
        : config_(config), api_key_(std::move(api_key)), secrets_(config, api_key_),
          codec_(make_codec(config)), url_(config.endpoint_url()),
          transport_(options.concurrency, options.log) {}

    void start(std::uint64_t ticket, const ChatRequest& request) override {
        auto& attempt = attempts_[ticket];
        attempt.started = Clock::now();
        http::HttpCall call;
        call.url = url_;
        call.headers = codec_->headers(api_key_);
        call.body = codec_->body(request).dump();
        call.timeout_s = config_.timeout_s;
        if (config_.stream) {
            attempt.decoder = codec_->stream_decoder();
            Attempt* a = &attempt; // unordered_map nodes are stable
            call.on_data = [a](std::string_view bytes) {
                a->decoder->feed(bytes);
                if (!a->ttft && a->decoder->got_token())
                    a->ttft = std::chrono::duration<double, std::milli>(Clock::now() - a->started)
                                  .count();
            };
        }
        try {
            transport_.start(ticket, std::move(call));
        } catch (...) {
            attempts_.erase(ticket);
            throw;
        }
    }

    void poll(std::vector<AttemptResult>& done, std::chrono::milliseconds max_wait) override {
        responses_.clear();
        transport_.poll(responses_, max_wait);
        for (auto& response : responses_) {
            auto it = attempts_.find(response.ticket);
            if (it == attempts_.end()) continue;
            done.push_back(interpret(response, it->second));
            attempts_.erase(it);
        }
    }

    std::size_t in_flight() const override { return transport_.in_flight(); }

    void abort_all() override {
        transport_.abort_all();
        attempts_.clear();
    }

    void wakeup() override { transport_.wakeup(); }

  private:
    struct Attempt {
        Clock::time_point started;
        std::unique_ptr<StreamDecoder> decoder;
        std::optional<double> ttft;
    };

    AttemptResult interpret(http::HttpResponse& response, Attempt& attempt) {
        AttemptResult out;
        out.ticket = response.ticket;
        ChatResult& r = out.result;
        // From the same origin as ttft, so that ttft <= latency always holds.
        r.latency_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - attempt.started).count();
        r.http_status = response.status;
        if (!response.transport_ok) {
            r.error =
                response.timed_out ? ProviderErrorKind::Timeout : ProviderErrorKind::Connection;
            out.unreachable = response.connect_failed;
            r.error_message = secrets_.scrub(
                response.timed_out
                    ? "no answer within " + fmt_seconds(config_.timeout_s) + " from " + url_
                    : url_ + ": " + response.error);
            keep_raw(r, response.body, config_.max_raw_bytes, secrets_);
            return out;
        }
        keep_raw(r, response.body, config_.max_raw_bytes, secrets_);
        if (response.status < 200 || response.status >= 300) {
            r.error = error_kind_for_status(response.status);
            r.error_message = secrets_.scrub("HTTP " + std::to_string(response.status) + " from " +
                                             url_ + ": " + error_message_from_body(response.body));
            if (response.retry_after)
                out.retry_after_s = parse_retry_after(*response.retry_after, now_unix_ms() / 1000);
            return out;
        }
        if (attempt.decoder) {
            attempt.decoder->finish(r);
            r.ttft_ms = attempt.ttft;
        } else {
            codec_->parse_response(response.body, r);
        }
        if (!r.ok()) r.error_message = r.error_message + " (" + url_ + ")";
        secrets_.scrub(r);
        return out;
    }

    static std::string fmt_seconds(double s) {
        std::string text = std::to_string(s);
        text.erase(text.find_last_not_of('0') + 1);
        if (!text.empty() && text.back() == '.') text.pop_back();
        return text + " s";
    }

    ProviderConfig config_;
    std::string api_key_;
    SecretScrubber secrets_;
    std::unique_ptr<RequestCodec> codec_;
    std::string url_;
    http::HttpTransport transport_;
    std::unordered_map<std::uint64_t, Attempt> attempts_;
    std::vector<http::HttpResponse> responses_;
};

// exec runs blocking child processes, so a pool of workers runs them; results come back
// through a queue the runner polls.
class ExecBackend final : public ProviderBackend {
  public:
    ExecBackend(const ProviderConfig& config, std::size_t concurrency)
        : config_(config), workers_wanted_(std::max<std::size_t>(1, concurrency)) {}

    ~ExecBackend() override {
        abort_all();
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        work_ready_.notify_all();
        for (auto& t : workers_)
            t.join();
    }

    void start(std::uint64_t ticket, const ChatRequest& request) override {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back({ticket, &request});
            ++in_flight_;
            if (workers_.size() < workers_wanted_ && workers_.size() < in_flight_)
                workers_.emplace_back([this] { work(); });
        }
        work_ready_.notify_one();
    }

    void poll(std::vector<AttemptResult>& done, std::chrono::milliseconds max_wait) override {
        std::unique_lock lock(mutex_);
        results_ready_.wait_for(lock, max_wait, [this] { return !results_.empty() || woken_; });
        woken_ = false;
        for (auto& r : results_)
            done.push_back(std::move(r));
        in_flight_ -= results_.size();
        results_.clear();
    }

    std::size_t in_flight() const override {
        std::lock_guard lock(mutex_);
        return in_flight_;
    }

    void wakeup() override {
        std::lock_guard lock(mutex_);
        woken_ = true;
        results_ready_.notify_all();
    }

    void abort_all() override {
        std::unique_lock lock(mutex_);
        in_flight_ -= queue_.size();
        queue_.clear();
        cancel_.store(true);
        // Running programs see the flag within 100 ms and are killed; wait for them.
        results_ready_.wait(lock, [this] { return running_ == 0; });
        in_flight_ = 0;
        results_.clear();
        cancel_.store(false);
    }

  private:
    struct Job {
        std::uint64_t ticket;
        const ChatRequest* request;
    };

    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            Job job = queue_.front();
            queue_.pop_front();
            ++running_;
            lock.unlock();
            AttemptResult result;
            result.ticket = job.ticket;
            result.result = run_exec(config_, *job.request, &cancel_);
            lock.lock();
            --running_;
            if (!cancel_.load()) results_.push_back(std::move(result));
            results_ready_.notify_all();
        }
    }

    ProviderConfig config_;
    std::size_t workers_wanted_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable results_ready_;
    std::deque<Job> queue_;
    std::vector<AttemptResult> results_;
    std::vector<std::thread> workers_;
    std::size_t in_flight_ = 0;
    std::size_t running_ = 0;
    bool stopping_ = false;
    bool woken_ = false;
    std::atomic<bool> cancel_{false};
};

// Answers with the request's own text: offline smoke runs of a whole pipeline.
class EchoBackend final : public ProviderBackend {
  public:
    explicit EchoBackend(const ProviderConfig& config) : config_(config) {}

    void start(std::uint64_t ticket, const ChatRequest& request) override {
        AttemptResult a;
        a.ticket = ticket;
        ChatResult& r = a.result;
        r.text = prompt_text(request);
        r.finish_reason = "stop";
        r.prompt_tokens = estimate_tokens(r.text);
        r.completion_tokens = r.prompt_tokens;
        r.model = request.model.empty() ? (config_.model.empty() ? "echo" : config_.model)
                                        : request.model;
        ready_.push_back(std::move(a));
    }

    void poll(std::vector<AttemptResult>& done, std::chrono::milliseconds max_wait) override {
        if (ready_.empty()) {
            std::this_thread::sleep_for(max_wait);
            return;
        }
        for (auto& a : ready_)
            done.push_back(std::move(a));
        ready_.clear();
    }

    std::size_t in_flight() const override { return ready_.size(); }
    void abort_all() override { ready_.clear(); }

  private:
    ProviderConfig config_;
    std::vector<AttemptResult> ready_;
};

} // namespace

std::unique_ptr<ProviderBackend> make_backend(const ProviderConfig& config, std::string api_key,
                                              const BackendOptions& options) {
    switch (config.type) {
    case ProviderType::Exec:
        return std::make_unique<ExecBackend>(config, options.concurrency);
    case ProviderType::Echo:
        return std::make_unique<EchoBackend>(config);
    default:
        return std::make_unique<HttpBackend>(config, std::move(api_key), options);
    }
}

} // namespace llmops::provider
