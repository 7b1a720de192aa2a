#include "serve/gateway_metrics.hpp"

#include <fmt/format.h>

namespace llmops::serve {

namespace {

std::string status_class(int status) {
    if (status <= 0) return "none";
    return std::to_string(status / 100) + "xx";
}

// Label values escape backslash, double quote and newline.
std::string label_value(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out.empty() ? "none" : out;
}

std::string number(double v) {
    return fmt::format("{}", v);
}

} // namespace

const std::array<double, GatewayMetrics::kBuckets>& GatewayMetrics::bucket_bounds() {
    static const std::array<double, kBuckets> bounds = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    return bounds;
}

void GatewayMetrics::Histogram::add(double seconds) {
    const auto& bounds = bucket_bounds();
    for (std::size_t i = 0; i < kBuckets; ++i)
        if (seconds <= bounds[i]) ++counts[i];
    ++count;
    sum += seconds;
}

void GatewayMetrics::observe(const RequestObservation& o) {
    std::lock_guard lock(mutex_);
    Series& s = series_[Key{o.route, o.release, o.provider}];
    ++s.requests[status_class(o.status)];
    s.prompt_tokens += static_cast<std::uint64_t>(std::max<std::int64_t>(0, o.prompt_tokens));
    s.completion_tokens +=
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, o.completion_tokens));
    s.cost_usd += o.cost_usd;
    s.total.add(o.total_s);
    if (o.upstream_s) s.upstream.add(*o.upstream_s);
    if (o.queue_s) s.queue.add(*o.queue_s);
    if (o.ttft_s) s.ttft.add(*o.ttft_s);
    if (!o.error_kind.empty()) ++errors_[{o.route, o.error_kind}];
}

void GatewayMetrics::count_guardrail(std::string_view route, std::string_view direction,
                                     std::string_view detector, std::string_view action,
                                     std::uint64_t findings) {
    std::lock_guard lock(mutex_);
    guardrail_findings_[{std::string(route), std::string(direction), std::string(detector),
                         std::string(action)}] += findings;
}

std::string GatewayMetrics::render(const Gauges& gauges) const {
    std::lock_guard lock(mutex_);
    std::string out;
    auto labels = [](const Key& k) {
        return fmt::format("route=\"{}\",release=\"{}\",provider=\"{}\"",
                           label_value(std::get<0>(k)), label_value(std::get<1>(k)),
                           label_value(std::get<2>(k)));
    };
    out += "# HELP llmops_gateway_requests_total Requests answered, by status class.\n"
           "# TYPE llmops_gateway_requests_total counter\n";
    for (const auto& [k, s] : series_)
        for (const auto& [cls, n] : s.requests)
            out += fmt::format("llmops_gateway_requests_total{{{},status_class=\"{}\"}} {}\n",
                               labels(k), cls, n);
    out += "# HELP llmops_gateway_errors_total Requests that failed, by error kind.\n"
           "# TYPE llmops_gateway_errors_total counter\n";
    for (const auto& [k, n] : errors_)
        out += fmt::format("llmops_gateway_errors_total{{route=\"{}\",kind=\"{}\"}} {}\n",
                           label_value(k.first), label_value(k.second), n);
    out += "# HELP llmops_gateway_tokens_total Tokens reported by providers.\n"
           "# TYPE llmops_gateway_tokens_total counter\n";
    for (const auto& [k, s] : series_) {
        out += fmt::format("llmops_gateway_tokens_total{{{},direction=\"prompt\"}} {}\n", labels(k),
                           s.prompt_tokens);
        out += fmt::format("llmops_gateway_tokens_total{{{},direction=\"completion\"}} {}\n",
                           labels(k), s.completion_tokens);
    }
    out += "# HELP llmops_gateway_cost_usd_total Cost from the price table, in USD.\n"
           "# TYPE llmops_gateway_cost_usd_total counter\n";
    for (const auto& [k, s] : series_)
        out +=
            fmt::format("llmops_gateway_cost_usd_total{{{}}} {}\n", labels(k), number(s.cost_usd));

    out += "# HELP llmops_guardrail_findings_total Findings of the routes' guardrails.\n"
           "# TYPE llmops_guardrail_findings_total counter\n";
    for (const auto& [k, n] : guardrail_findings_)
        out += fmt::format("llmops_guardrail_findings_total{{route=\"{}\",direction=\"{}\","
                           "detector=\"{}\",action=\"{}\"}} {}\n",
                           label_value(std::get<0>(k)), std::get<1>(k), std::get<2>(k),
                           std::get<3>(k), n);

    auto histogram = [&](const char* name, const char* help, Histogram Series::*member) {
        out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
        const auto& bounds = bucket_bounds();
        for (const auto& [k, s] : series_) {
            const Histogram& h = s.*member;
            if (h.count == 0) continue;
            std::string l = labels(k);
            for (std::size_t i = 0; i < kBuckets; ++i)
                out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, l, number(bounds[i]),
                                   h.counts[i]);
            out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, l, h.count);
            out += fmt::format("{}_sum{{{}}} {}\n", name, l, number(h.sum));
            out += fmt::format("{}_count{{{}}} {}\n", name, l, h.count);
        }
    };
    histogram("llmops_gateway_request_duration_seconds",
              "Time from the request's arrival to the end of its answer.", &Series::total);
    histogram("llmops_gateway_upstream_duration_seconds",
              "Time the provider took, retries included.", &Series::upstream);
    histogram("llmops_gateway_queue_duration_seconds", "Time waiting for a free upstream slot.",
              &Series::queue);
    histogram("llmops_gateway_ttft_seconds", "Time to the first token of streamed answers.",
              &Series::ttft);

    // Series without labels: one HELP, one TYPE and one sample each.
    auto single = [&](const char* name, const char* type, const char* help, auto value) {
        out +=
            fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
    };
    single("llmops_gateway_in_flight", "gauge", "Requests being answered.", gauges.in_flight);
    single("llmops_gateway_connections", "gauge", "Open client connections.", gauges.connections);
    single("llmops_gateway_upstream_queued", "gauge", "Requests waiting for an upstream slot.",
           gauges.upstream_queued);
    single("llmops_gateway_log_rows_written_total", "counter", "Request log rows committed.",
           gauges.log_written);
    single("llmops_gateway_log_failed_groups_total", "counter",
           "Request log groups the store refused (retried).", gauges.log_failed_groups);
    return out;
}

} // namespace llmops::serve
