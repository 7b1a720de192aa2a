#pragma once
// The monitoring dashboard (`llmops monitor report --html FILE`): one self-contained HTML file
// (inline CSS and SVG, no script, no external resource) with, per release over time, latency
// percentiles, requests/s, error rate, output tokens/s, cost and feedback; deploy, promote,
// rollback and canary-check markers from the deploy history on every time axis; and the alert
// history. Reference: docs/monitoring.md, "Dashboard".
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "report/svg_time_chart.hpp"
#include "store/database.hpp"

namespace llmops::report {

struct DashboardRequest {
    std::int64_t since_ms = 0;  // inclusive
    std::int64_t until_ms = 0;  // exclusive
    std::string env;            // "" = every environment
    std::string route;          // "" = every route
    std::int64_t bucket_ms = 0; // 0: chosen from the window (about 60 buckets)
};

// One release's figures over the whole window (the summary table).
struct DashboardRelease {
    std::string name; // "ROUTE@N" (with "ENV/" when several environments are shown)
    std::size_t color = 0;
    std::uint64_t requests = 0;
    double requests_per_second = 0;
    double error_rate = 0;
    std::optional<double> p50_ms, p95_ms, p99_ms;
    double output_tokens_per_second = 0;
    double cost_usd = 0;
    std::map<std::string, std::pair<std::uint64_t, double>> feedback; // name: count, mean
};

struct DashboardDeployEvent {
    std::int64_t t_ms = 0;
    std::string env, route, action, outcome, release, actor, message;
};

struct DashboardAlert {
    std::int64_t t_ms = 0;
    std::string rule, state, fingerprint;
    std::optional<double> value; // the rule's metric when it changed state
};

struct Dashboard {
    DashboardRequest request;
    std::string generated_at;
    std::vector<DashboardRelease> releases;
    std::vector<TimeChart> charts;
    std::vector<DashboardDeployEvent> deploys;
    std::vector<DashboardAlert> alerts; // every state change of an alert rule
};

// A bucket of about a sixtieth of the window, rounded up to a whole step (1m, 5m, 15m, 1h ...):
// 24h gives 30m buckets, 1h gives 1m.
std::int64_t default_bucket_ms(std::int64_t span_ms);

// Reads the window's figures per release and bucket (monitor::query_metrics: the same figures
// as `llmops monitor --by release`), the deploy history and the alert history. Without an
// environment and with several deployed, each environment's releases are separate series
// ("ENV/ROUTE@N"). Throws Error(Usage) for an empty or inverted window.
Dashboard build_dashboard(store::Database& db, const DashboardRequest& request);

void write_dashboard_html(const Dashboard& dashboard, std::ostream& out);

} // namespace llmops::report
