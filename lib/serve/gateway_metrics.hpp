#pragma once
// The gateway's Prometheus metrics (text exposition format 0.0.4): requests, errors, tokens and
// cost counters; histograms of total, upstream, queue and time-to-first-token latency; gauges
// of requests in flight and open connections. Labels are route, release, provider and status
// class, all from bounded sets (routes of the environment, their releases, declared providers),
// never a user or key value. Reference: docs/serve.md.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace llmops::serve {

struct RequestObservation {
    std::string route;    // "" = none resolved
    std::string release;  // release number as text, "" = none
    std::string provider; // "" = none
    int status = 0;
    std::string error_kind; // "" on success
    double total_s = 0;
    std::optional<double> upstream_s;
    std::optional<double> queue_s;
    std::optional<double> ttft_s;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost_usd = 0;
};

class GatewayMetrics {
  public:
    static constexpr std::size_t kBuckets = 16;
    static const std::array<double, kBuckets>& bucket_bounds();

    void observe(const RequestObservation& observation);
    // Findings of a route's guardrails: direction input|output, detector pii|injection, action
    // block|redact|flag (llmops_guardrail_findings_total).
    void count_guardrail(std::string_view route, std::string_view direction,
                         std::string_view detector, std::string_view action,
                         std::uint64_t findings);
    // `gauges` gives the current in-flight requests, open connections, upstream queue and
    // request-log backlog when the page is rendered.
    struct Gauges {
        std::size_t in_flight = 0;
        std::size_t connections = 0;
        std::size_t upstream_queued = 0;
        std::uint64_t log_written = 0;
        std::uint64_t log_failed_groups = 0;
    };
    std::string render(const Gauges& gauges) const;

  private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets> counts{};
        std::uint64_t count = 0;
        double sum = 0;
        void add(double seconds);
    };
    struct Series {
        std::map<std::string, std::uint64_t> requests; // by status class
        std::uint64_t prompt_tokens = 0;
        std::uint64_t completion_tokens = 0;
        double cost_usd = 0;
        Histogram total, upstream, queue, ttft;
    };
    using Key = std::tuple<std::string, std::string, std::string>; // route, release, provider

    mutable std::mutex mutex_;
    std::map<Key, Series> series_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> errors_; // (route, kind)
    // (route, direction, detector, action)
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint64_t>
        guardrail_findings_;
};

} // namespace llmops::serve
