// The dashboard's data: monitor::query_metrics per release and bucket, the deploy history and
// the alert history of the window, arranged as the charts and tables of the page.
#include "report/monitor_dashboard.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "deploy/deploy_store.hpp"
#include "monitor/alert_evaluation.hpp"
#include "monitor/request_metrics.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace llmops::report {

namespace {

struct ReleaseSeries {
    std::string name;
    const monitor::GroupSeries* group = nullptr;
};

TimeChart chart_of(std::string title, ValueUnit unit, const std::vector<ReleaseSeries>& releases,
                   std::int64_t bucket_ms,
                   const std::function<std::optional<double>(const monitor::Figures&)>& pick) {
    TimeChart chart;
    chart.title = std::move(title);
    chart.unit = unit;
    for (std::size_t i = 0; i < releases.size(); ++i) {
        TimeSeries series;
        series.name = releases[i].name;
        series.color = i;
        for (const auto& bucket : releases[i].group->buckets)
            if (auto value = pick(bucket.figures))
                // At the middle of its bucket: the value is the bucket's, not an instant's.
                series.points.push_back({bucket.start_ms + bucket_ms / 2, *value});
        chart.series.push_back(std::move(series));
    }
    return chart;
}

std::optional<double> feedback_mean(const monitor::Figures& f, const std::string& name) {
    for (const auto& fb : f.feedback)
        if (fb.name == name) return fb.mean;
    return std::nullopt;
}

std::vector<DashboardDeployEvent> deploy_events(store::Database& db, const DashboardRequest& q) {
    std::vector<DashboardDeployEvent> out;
    // Newest first from the store; the page lists them oldest first, as the time axis runs.
    for (const auto& a : deploy::list_attempts(db, q.env, q.route, 0)) {
        auto t = parse_iso8601_ms(a.created_at);
        if (!t || *t < q.since_ms || *t >= q.until_ms) continue;
        out.push_back({*t, a.env, a.route, a.action, a.outcome,
                       a.release_number ? a.route + "@" + std::to_string(*a.release_number) : "",
                       a.actor, a.message});
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace

std::int64_t default_bucket_ms(std::int64_t span_ms) {
    static constexpr std::array<std::int64_t, 12> steps = {
        60000,    300000,   900000,   1800000,   3600000,   10800000,
        21600000, 43200000, 86400000, 172800000, 604800000, 2592000000};
    for (std::int64_t step : steps)
        if (span_ms / step <= 60) return step;
    return steps.back();
}

Dashboard build_dashboard(store::Database& db, const DashboardRequest& request) {
    if (request.until_ms <= request.since_ms)
        throw Error(ErrorKind::Usage, "the window is empty: --since must be before --until");
    Dashboard d;
    d.request = request;
    if (d.request.bucket_ms <= 0)
        d.request.bucket_ms = default_bucket_ms(request.until_ms - request.since_ms);
    d.generated_at = now_iso8601();

    // One query per environment when several are shown: release numbers count per environment.
    std::vector<std::string> envs{request.env};
    if (request.env.empty()) {
        std::set<std::string> deployed;
        for (const auto& [env, route] : deploy::known_routes(db, ""))
            deployed.insert(env);
        if (deployed.size() > 1) envs.assign(deployed.begin(), deployed.end());
    }
    std::vector<monitor::MetricsReport> reports;
    for (const auto& env : envs) {
        monitor::MetricsQuery q;
        q.since_ms = request.since_ms;
        q.until_ms = request.until_ms;
        q.selector.env = env;
        q.selector.route = request.route;
        q.group_by = monitor::GroupBy::Release;
        q.bucket_ms = d.request.bucket_ms;
        reports.push_back(monitor::query_metrics(db, q));
    }
    std::vector<ReleaseSeries> releases;
    for (std::size_t e = 0; e < envs.size(); ++e)
        for (const auto& g : reports[e].groups)
            releases.push_back({envs.size() > 1 ? envs[e] + "/" + g.key : g.key, &g});

    std::set<std::string> feedback_names;
    for (std::size_t i = 0; i < releases.size(); ++i) {
        const monitor::Figures& t = releases[i].group->total;
        DashboardRelease r;
        r.name = releases[i].name;
        r.color = i;
        r.requests = t.requests;
        r.requests_per_second = t.requests_per_second;
        r.error_rate = t.error_rate;
        r.p50_ms = t.total_ms.p50;
        r.p95_ms = t.total_ms.p95;
        r.p99_ms = t.total_ms.p99;
        r.output_tokens_per_second = t.output_tokens_per_second;
        r.cost_usd = t.cost_usd;
        for (const auto& fb : t.feedback)
            if (fb.mean) {
                r.feedback[fb.name] = {fb.numeric_count, *fb.mean};
                feedback_names.insert(fb.name);
            }
        d.releases.push_back(std::move(r));
    }

    using F = monitor::Figures;
    using O = std::optional<double>;
    const std::int64_t b = d.request.bucket_ms;
    d.charts.push_back(chart_of("latency p50", ValueUnit::Milliseconds, releases, b,
                                [](const F& f) { return f.total_ms.p50; }));
    d.charts.push_back(chart_of("latency p95", ValueUnit::Milliseconds, releases, b,
                                [](const F& f) { return f.total_ms.p95; }));
    d.charts.push_back(chart_of("latency p99", ValueUnit::Milliseconds, releases, b,
                                [](const F& f) { return f.total_ms.p99; }));
    d.charts.push_back(chart_of("requests per second", ValueUnit::PerSecond, releases, b,
                                [](const F& f) { return O(f.requests_per_second); }));
    d.charts.push_back(chart_of("error rate", ValueUnit::Ratio, releases, b, [](const F& f) {
        return f.requests ? O(f.error_rate) : std::nullopt;
    }));
    d.charts.push_back(chart_of("output tokens per second", ValueUnit::TokensPerSecond, releases, b,
                                [](const F& f) { return O(f.output_tokens_per_second); }));
    d.charts.push_back(chart_of("cost per bucket (USD)", ValueUnit::Usd, releases, b,
                                [](const F& f) { return O(f.cost_usd); }));
    for (const auto& name : feedback_names)
        d.charts.push_back(chart_of("feedback " + name + " (mean)", ValueUnit::Score, releases, b,
                                    [&name](const F& f) { return feedback_mean(f, name); }));

    d.deploys = deploy_events(db, d.request);
    for (const auto& e : monitor::alert_history(db, request.since_ms, request.until_ms)) {
        auto t = parse_iso8601_ms(e.at);
        if (!t) continue;
        d.alerts.push_back({*t, e.rule, monitor::to_string(e.state), e.fingerprint, e.value});
    }
    return d;
}

} // namespace llmops::report
