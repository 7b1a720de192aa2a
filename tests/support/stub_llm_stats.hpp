// Request counters of the stub model server, served as JSON by GET /stats.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace stub_llm {

class Stats {
  public:
    // Lives from the start of a request until its response is fully written (streams hand it to
    // their content provider), so in_flight covers slow streams too.
    class Scope {
      public:
        Scope(Stats& stats, std::string path) : stats_(stats) { stats_.begin(std::move(path)); }
        ~Scope() { stats_.end(status_); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        void set_status(int status) { status_ = status; }

      private:
        Stats& stats_;
        int status_ = 0;
    };

    void fault(const std::string& name) {
        std::lock_guard lock(mutex_);
        ++by_fault_[name];
    }

    void tokens(std::uint64_t prompt, std::uint64_t completion) {
        prompt_tokens_.fetch_add(prompt, std::memory_order_relaxed);
        completion_tokens_.fetch_add(completion, std::memory_order_relaxed);
    }

    void streamed() { streamed_.fetch_add(1, std::memory_order_relaxed); }

    // Requests no route matched (404); they never are in flight.
    void unrouted(const std::string& path, int status) {
        begin(path);
        end(status);
    }

    nlohmann::json to_json() const {
        nlohmann::json j;
        j["total"] = total_.load();
        j["in_flight"] = in_flight_.load();
        j["max_in_flight"] = max_in_flight_.load();
        j["streamed"] = streamed_.load();
        j["prompt_tokens"] = prompt_tokens_.load();
        j["completion_tokens"] = completion_tokens_.load();
        std::lock_guard lock(mutex_);
        j["by_path"] = by_path_;
        j["by_fault"] = by_fault_;
        nlohmann::json statuses = nlohmann::json::object();
        for (const auto& [status, n] : by_status_)
            statuses[std::to_string(status)] = n;
        j["by_status"] = statuses;
        return j;
    }

    // Zeroes the counters; requests in flight stay counted as such.
    void reset() {
        std::lock_guard lock(mutex_);
        total_ = 0;
        streamed_ = 0;
        prompt_tokens_ = 0;
        completion_tokens_ = 0;
        max_in_flight_ = in_flight_.load();
        by_path_.clear();
        by_fault_.clear();
        by_status_.clear();
    }

  private:
    void begin(std::string path) {
        total_.fetch_add(1, std::memory_order_relaxed);
        const std::int64_t now = in_flight_.fetch_add(1) + 1;
        std::int64_t seen = max_in_flight_.load();
        while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
        }
        std::lock_guard lock(mutex_);
        ++by_path_[std::move(path)];
    }

    void end(int status) {
        in_flight_.fetch_sub(1);
        std::lock_guard lock(mutex_);
        ++by_status_[status];
    }

    std::atomic<std::uint64_t> total_{0};
    std::atomic<std::uint64_t> streamed_{0};
    std::atomic<std::uint64_t> prompt_tokens_{0};
    std::atomic<std::uint64_t> completion_tokens_{0};
    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::int64_t> max_in_flight_{0};
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> by_path_;
    std::map<std::string, std::uint64_t> by_fault_;
    std::map<int, std::uint64_t> by_status_;
};

} // namespace stub_llm
