#include "serve/upstream_pool.hpp"

#include "core/error.hpp"
#include "serve/provider_calls.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

namespace llmops::serve {

using Clock = std::chrono::steady_clock;

namespace {
constexpr const char* kShuttingDown = "the gateway is shutting down";
constexpr auto kIdleWait = std::chrono::milliseconds(100);
} // namespace

// One provider's calls on a thread of their own: the calls submitted off the I/O threads, the
// calls of cached routes, and every call to an exec or echo provider (their backends wait in
// ways an event loop cannot).
class UpstreamWorker {
  public:
    UpstreamWorker(const provider::ProviderConfig& config, ProviderLimits& limits,
                   store::DatabaseAddress cache_db)
        : limits_(limits), calls_(config, limits, std::move(cache_db)) {
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
            if (!ProviderLimits::take(limits_.admitted, limits_.admission)) return false;
            was_empty = inbox_.empty();
            inbox_.push_back({std::move(call), Clock::now()});
        }
        // The worker empties the whole inbox after every wake and before it waits again, so a
        // call joining a non-empty inbox is already covered by the wake of the first one.
        if (was_empty) wake();
        return true;
    }

    std::size_t in_flight() const { return in_flight_.load(); }

  private:
    struct Arrival {
        UpstreamCall call;
        Clock::time_point enqueued;
    };

    void wake() {
        calls_.wake();
        std::lock_guard lock(mutex_);
        arrived_.notify_all();
    }

    void take_inbox() {
        std::lock_guard lock(mutex_);
        for (auto& a : inbox_)
            calls_.add(std::move(a.call), a.enqueued);
        inbox_.clear();
    }

    void loop() {
        bool more = false;
        while (!stopping_.load()) {
            take_inbox();
            if (calls_.idle() && calls_.event_fd() < 0) {
                // Nothing to poll: sleep until a call arrives (echo's backend cannot be woken).
                std::unique_lock lock(mutex_);
                arrived_.wait_for(lock, kIdleWait, [this] { return !inbox_.empty() || stopping_; });
                continue;
            }
            more = calls_.step(more ? std::chrono::milliseconds(0) : kIdleWait);
            in_flight_.store(calls_.in_flight());
        }
        take_inbox();
        calls_.cancel_all(kShuttingDown);
    }

    ProviderLimits& limits_;
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<bool> stopping_{false};
    ProviderCalls calls_; // worker thread only
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<Arrival> inbox_;
    std::thread thread_;
};

// The HTTP providers' calls submitted on one gateway I/O thread, run by that thread's event
// loop: the server watches one epoll set holding every provider's transport and calls run()
// when it is readable or due. No locks: every call but the counters' reads is on the thread.
class LoopUpstream final : public http::LoopWork {
  public:
    explicit LoopUpstream(UpstreamPool& pool)
        : pool_(pool), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
        if (epoll_fd_ < 0)
            throw Error(ErrorKind::Provider,
                        std::string("cannot create an event set: ") + std::strerror(errno));
        current_ = this;
        std::lock_guard lock(pool_.mutex_);
        pool_.loops_.push_back(this);
    }

    ~LoopUpstream() override {
        closing_ = true; // an answer's fallback must not start a call now
        running_ = true;
        for (auto& [_, calls] : calls_)
            calls->cancel_all(kShuttingDown);
        calls_.clear();
        {
            std::lock_guard lock(pool_.mutex_);
            std::erase(pool_.loops_, this);
        }
        if (current_ == this) current_ = nullptr;
        ::close(epoll_fd_);
    }

    // The loop of the calling thread when it is an I/O thread of `pool`'s gateway.
    static LoopUpstream* on_this_thread(const UpstreamPool& pool) {
        return current_ && &current_->pool_ == &pool ? current_ : nullptr;
    }

    UpstreamPool::Submitted submit(const provider::ProviderConfig& config, UpstreamCall&& call) {
        if (closing_) return UpstreamPool::Submitted::QueueFull;
        auto& slot = calls_[config.id];
        if (!slot) {
            try {
                slot = std::make_unique<ProviderCalls>(config, pool_.limits(config.id),
                                                       store::DatabaseAddress());
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.fd = slot->event_fd();
                if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, ev.data.fd, &ev) != 0)
                    throw Error(ErrorKind::Provider,
                                std::string("cannot watch the provider: ") + std::strerror(errno));
            } catch (...) {
                calls_.erase(config.id);
                throw;
            }
        }
        ProviderLimits& limits = slot->limits();
        if (!ProviderLimits::take(limits.admitted, limits.admission))
            return UpstreamPool::Submitted::QueueFull;
        slot->add(std::move(call), Clock::now());
        // Sent now, by libcurl's timer; other sockets' events reach the loop through its
        // descriptor. From inside run() (a fallback), run's next round starts it.
        if (!running_) {
            running_ = true;
            bool more = step(*slot, false);
            running_ = false;
            if (more)
                run();
            else
                count_in_flight();
        }
        return UpstreamPool::Submitted::Accepted;
    }

    int watched_fd() const override { return epoll_fd_; }

    std::optional<Clock::time_point> due() const override {
        if (more_) return Clock::now();
        std::optional<Clock::time_point> at;
        for (const auto& [_, calls] : calls_)
            if (auto t = calls->due()) at = at ? std::min(*at, *t) : *t;
        return at;
    }

    void run() override {
        running_ = true;
        more_ = false;
        constexpr int kRounds = 16; // then the connections' handlers get a turn
        for (int round = 0;; ++round) {
            bool progress = false;
            for (auto& [_, calls] : calls_)
                progress = step(*calls) || progress;
            if (!progress) break;
            if (round + 1 == kRounds) {
                more_ = true;
                break;
            }
        }
        count_in_flight();
        running_ = false;
    }

    std::size_t in_flight() const { return in_flight_.load(); }

  private:
    void count_in_flight() {
        std::size_t n = 0;
        for (const auto& [_, calls] : calls_)
            n += calls->in_flight();
        in_flight_.store(n);
    }

    // A transport that fails (its event set, building a request) fails its calls, not the
    // I/O thread.
    static bool step(ProviderCalls& calls, bool sockets = true) {
        try {
            return calls.step(std::chrono::milliseconds(0), sockets);
        } catch (const std::exception& e) {
            calls.cancel_all(e.what());
            return false;
        }
    }

    static thread_local LoopUpstream* current_;
    UpstreamPool& pool_;
    int epoll_fd_;
    bool running_ = false;
    bool closing_ = false;
    bool more_ = false; // run() stopped with work left: due at once
    std::map<std::string, std::unique_ptr<ProviderCalls>> calls_; // by provider id
    std::atomic<std::size_t> in_flight_{0};
};

thread_local LoopUpstream* LoopUpstream::current_ = nullptr;

UpstreamPool::UpstreamPool(std::size_t concurrency, std::size_t queue_limit,
                           store::DatabaseAddress cache_db)
    : concurrency_(std::max<std::size_t>(1, concurrency)), queue_limit_(queue_limit),
      cache_db_(std::move(cache_db)) {}

UpstreamPool::~UpstreamPool() {
    std::map<std::string, std::unique_ptr<UpstreamWorker>> workers;
    {
        std::lock_guard lock(mutex_);
        workers.swap(workers_);
    }
    workers.clear(); // their answers may ask this pool for its limits
}

std::unique_ptr<http::LoopWork> UpstreamPool::make_loop_work() {
    return std::make_unique<LoopUpstream>(*this);
}

ProviderLimits& UpstreamPool::limits(const std::string& provider_id) {
    std::lock_guard lock(mutex_);
    auto& limits = limits_[provider_id];
    if (!limits) {
        limits = std::make_unique<ProviderLimits>();
        limits->concurrency = concurrency_;
        limits->admission = concurrency_ + queue_limit_;
    }
    return *limits;
}

UpstreamPool::Submitted UpstreamPool::submit(const provider::ProviderConfig& config,
                                             UpstreamCall call) {
    // Cached routes stay off the event loops: the response cache is a database.
    if (ProviderCalls::is_http(config) && !call.use_cache)
        if (LoopUpstream* loop = LoopUpstream::on_this_thread(*this))
            return loop->submit(config, std::move(call));
    ProviderLimits& provider_limits = limits(config.id);
    UpstreamWorker* worker = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto& slot = workers_[config.id];
        if (!slot) {
            try {
                slot = std::make_unique<UpstreamWorker>(config, provider_limits, cache_db_);
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
    for (const LoopUpstream* l : loops_)
        n += l->in_flight();
    return n;
}

std::size_t UpstreamPool::queued() const {
    std::size_t running = in_flight(), admitted = 0;
    std::lock_guard lock(mutex_);
    for (const auto& [_, limits] : limits_)
        admitted += limits->admitted.load();
    return admitted > running ? admitted - running : 0;
}

} // namespace llmops::serve
