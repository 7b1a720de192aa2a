// The JSON of `llmops monitor --json` (docs/monitoring.md#json).
#include "core/time.hpp"
#include "monitor/request_metrics.hpp"

namespace llmops::monitor {

using nlohmann::json;

namespace {

json optional_number(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

json latency_json(const LatencyFigures& l, bool with_p99) {
    json out = {
        {"count", l.count}, {"p50", optional_number(l.p50)}, {"p95", optional_number(l.p95)}};
    if (with_p99) out["p99"] = optional_number(l.p99);
    return out;
}

json selector_json(const Selector& s) {
    json out = json::object();
    if (!s.env.empty()) out["env"] = s.env;
    if (!s.route.empty()) out["route"] = s.route;
    if (s.release) out["release"] = *s.release;
    if (!s.provider.empty()) out["provider"] = s.provider;
    if (!s.model.empty()) out["model"] = s.model;
    if (!s.key.empty()) out["key"] = s.key;
    if (s.status) out["status"] = *s.status;
    return out;
}

json buckets_json(const std::vector<Bucket>& buckets) {
    json out = json::array();
    for (const auto& b : buckets) {
        json item = to_json(b.figures);
        item["start"] = iso8601_from_ms(b.start_ms);
        out.push_back(std::move(item));
    }
    return out;
}

} // namespace

json to_json(const Figures& f) {
    json errors = json::object();
    for (const auto& [kind, n] : f.errors_by_kind)
        errors[kind] = {
            {"count", n},
            {"rate", f.requests ? static_cast<double>(n) / static_cast<double>(f.requests) : 0.0}};
    json feedback = json::array();
    for (const auto& fb : f.feedback)
        feedback.push_back({{"name", fb.name},
                            {"count", fb.count},
                            {"numeric_count", fb.numeric_count},
                            {"mean", optional_number(fb.mean)},
                            {"categories", fb.categories}});
    return {{"requests", f.requests},
            {"seconds", f.seconds},
            {"requests_per_second", f.requests_per_second},
            {"errors", f.errors},
            {"error_rate", f.error_rate},
            {"errors_by_kind", std::move(errors)},
            {"latency_ms",
             {{"total", latency_json(f.total_ms, true)},
              {"upstream", latency_json(f.upstream_ms, true)},
              {"queue", latency_json(f.queue_ms, true)}}},
            {"ttft_ms", latency_json(f.ttft_ms, false)},
            {"tokens",
             {{"prompt", f.prompt_tokens},
              {"completion", f.completion_tokens},
              {"total", f.prompt_tokens + f.completion_tokens}}},
            {"output_tokens_per_second", f.output_tokens_per_second},
            {"cost_usd", f.cost_usd},
            {"successes", f.successes},
            {"cached", f.cached},
            {"cache_hit_rate", f.cache_hit_rate},
            {"flagged", f.flagged},
            {"flagged_rate", f.flagged_rate},
            {"feedback", std::move(feedback)}};
}

json to_json(const MetricsReport& r) {
    const MetricsQuery& q = r.query;
    json out = {{"since", iso8601_from_ms(q.since_ms)},
                {"until", iso8601_from_ms(q.until_ms)},
                {"selector", selector_json(q.selector)},
                {"by", q.group_by == GroupBy::None ? json(nullptr) : json(to_string(q.group_by))},
                {"bucket_seconds",
                 q.bucket_ms > 0 ? json(static_cast<double>(q.bucket_ms) / 1000.0) : json(nullptr)},
                {"total", to_json(r.total)}};
    if (q.bucket_ms > 0) out["buckets"] = buckets_json(r.buckets);
    if (q.group_by != GroupBy::None) {
        json groups = json::array();
        for (const auto& g : r.groups) {
            json item = {{"key", g.key}, {"total", to_json(g.total)}};
            if (q.bucket_ms > 0) item["buckets"] = buckets_json(g.buckets);
            groups.push_back(std::move(item));
        }
        out["groups"] = std::move(groups);
    }
    json users = json::array();
    for (const auto& u : r.top_users)
        users.push_back(
            {{"user_hash", u.user_hash}, {"requests", u.requests}, {"cost_usd", u.cost_usd}});
    out["users"] = {{"since", iso8601_from_ms(r.user_window_start_ms)},
                    {"until", iso8601_from_ms(q.until_ms)},
                    {"top", std::move(users)}};
    return out;
}

} // namespace llmops::monitor
