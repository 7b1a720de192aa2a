// The HTML page of the monitoring dashboard: inline CSS and SVG only, so the file opens
// anywhere, offline, with no request leaving the machine.
#include "report/html_style.hpp"
#include "report/monitor_dashboard.hpp"

#include "report/profile_html.hpp"

#include <fmt/format.h>

namespace llmops::report {

namespace {

constexpr std::string_view kDashboardStyle = R"(
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-.05em}
.legend{display:flex;flex-wrap:wrap;gap:.9rem;margin:.4rem 0 .8rem;color:#445}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(640px,1fr));gap:1rem}
svg.time-chart{max-width:100%;height:auto;background:#fcfcfe;border:1px solid #eef;border-radius:4px}
svg text{font-size:11px;fill:#556}svg .chart-title{font-size:13px;font-weight:600;fill:#1d2330}
svg .axis{stroke:#99a;stroke-width:1}svg .grid{stroke:#eceef4;stroke-width:1}
svg .line{fill:none;stroke-width:1.8;stroke-linejoin:round;stroke-linecap:round}
svg .marker line{stroke-width:1.2;stroke-dasharray:4 3}svg .marker text{font-size:10px}
svg .marker-deploy line{stroke:#3b6fd4}svg .marker-deploy text{fill:#3b6fd4}
svg .marker-promote line{stroke:#2e9e5b}svg .marker-promote text{fill:#2e9e5b}
svg .marker-rollback line{stroke:#c23b3b}svg .marker-rollback text{fill:#c23b3b}
svg .marker-ramp line{stroke:#8a8f9c}svg .marker-ramp text{fill:#8a8f9c}
svg .marker-alert line{stroke:#d9822b}svg .marker-alert text{fill:#d9822b}
svg .empty{fill:#99a;font-size:13px}
.state-firing{color:#a11d1d;font-weight:600}.state-resolved{color:#176b2c}.state-pending{color:#8a5a00}
.note{color:#667}
)";

std::string ms_or_dash(const std::optional<double>& ms) {
    return ms ? format_chart_value(*ms, ValueUnit::Milliseconds) : std::string("–");
}

// The kind of marker an attempt draws, or "" for attempts that moved nothing.
std::string marker_kind(const DashboardDeployEvent& e) {
    if (e.action == "deploy") return e.outcome == "passed" || e.outcome == "forced" ? "deploy" : "";
    if (e.action == "check") return e.outcome == "hold" ? "" : e.outcome;
    return e.action; // promote, rollback, ramp
}

std::vector<TimeMarker> markers_of(const Dashboard& d) {
    std::vector<TimeMarker> out;
    for (const auto& e : d.deploys) {
        std::string kind = marker_kind(e);
        if (kind.empty()) continue;
        std::string label = kind + (e.release.empty() ? "" : " " + e.release);
        out.push_back({e.t_ms, kind, label,
                       fmt::format("{} {} {}/{} {} by {} at {}{}", e.action, e.outcome, e.env,
                                   e.route, e.release, e.actor, format_utc_minute(e.t_ms),
                                   e.message.empty() ? "" : ": " + e.message)});
    }
    for (const auto& a : d.alerts)
        if (a.state == "firing")
            out.push_back({a.t_ms, "alert", a.rule,
                           fmt::format("alert {} firing at {}{}", a.rule, format_utc_minute(a.t_ms),
                                       a.value ? fmt::format(" (value {:g})", *a.value) : "")});
    return out;
}

void write_summary(const Dashboard& d, std::ostream& out) {
    out << "<h2>Releases</h2>\n";
    if (d.releases.empty()) {
        out << "<p class=\"note\">No request was logged in this window.</p>\n";
        return;
    }
    out << "<table id=\"releases\"><thead><tr><th>release</th><th>requests</th><th>req/s</th>"
           "<th>error rate</th><th>p50</th><th>p95</th><th>p99</th><th>output tok/s</th>"
           "<th>cost</th><th>feedback (mean, n)</th></tr></thead><tbody>\n";
    for (const auto& r : d.releases) {
        std::string feedback;
        for (const auto& [name, figures] : r.feedback)
            feedback +=
                fmt::format("{}{} {} (n={})", feedback.empty() ? "" : "; ", html_escape(name),
                            format_chart_value(figures.second, ValueUnit::Score), figures.first);
        out << fmt::format(
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            series_color(r.color), html_escape(r.name), r.requests,
            format_chart_value(r.requests_per_second, ValueUnit::PerSecond),
            format_chart_value(r.error_rate, ValueUnit::Ratio), ms_or_dash(r.p50_ms),
            ms_or_dash(r.p95_ms), ms_or_dash(r.p99_ms),
            format_chart_value(r.output_tokens_per_second, ValueUnit::TokensPerSecond),
            format_chart_value(r.cost_usd, ValueUnit::Usd), feedback.empty() ? "–" : feedback);
    }
    out << "</tbody></table>\n";
}

void write_deploys(const Dashboard& d, std::ostream& out) {
    out << "<h2>Deploy history</h2>\n";
    if (d.deploys.empty()) {
        out << "<p class=\"note\">No deploy, promotion or rollback in this window.</p>\n";
        return;
    }
    out << "<table id=\"deploys\"><thead><tr><th>time (UTC)</th><th>env</th><th>route</th>"
           "<th>action</th><th>outcome</th><th>release</th><th>actor</th><th>message</th>"
           "</tr></thead><tbody>\n";
    for (const auto& e : d.deploys)
        out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                           format_utc_minute(e.t_ms), html_escape(e.env), html_escape(e.route),
                           html_escape(e.action), html_escape(e.outcome), html_escape(e.release),
                           html_escape(e.actor), html_escape(e.message));
    out << "</tbody></table>\n";
}

void write_alerts(const Dashboard& d, std::ostream& out) {
    out << "<h2>Alerts</h2>\n";
    if (d.alerts.empty()) {
        out << "<p class=\"note\" id=\"no-alerts\">No alert changed state in this window "
               "(rules: <code>alerts:</code> in llmops.yaml, evaluated by <code>llmops monitor "
               "check</code> and <code>llmops serve</code>).</p>\n";
        return;
    }
    out << "<table id=\"alerts\"><thead><tr><th>time (UTC)</th><th>rule</th><th>state</th>"
           "<th>value</th><th>fingerprint</th></tr></thead><tbody>\n";
    for (const auto& a : d.alerts)
        out << fmt::format("<tr><td>{}</td><td>{}</td><td class=\"state-{}\">{}</td>"
                           "<td class=\"n\">{}</td><td><code>{}</code></td></tr>\n",
                           format_utc_minute(a.t_ms), html_escape(a.rule), html_escape(a.state),
                           html_escape(a.state),
                           a.value ? format_chart_value(*a.value, ValueUnit::Score) : "–",
                           html_escape(a.fingerprint));
    out << "</tbody></table>\n";
}

} // namespace

void write_dashboard_html(const Dashboard& d, std::ostream& out) {
    const DashboardRequest& q = d.request;
    std::string scope =
        (q.env.empty() ? std::string("every environment") : "environment " + q.env) +
        (q.route.empty() ? ", every route" : ", route " + q.route);
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>llmops monitor: "
        << html_escape(scope) << "</title><style>" << kBaseStyle << kDashboardStyle
        << "</style></head><body>\n";
    out << "<h1>llmops monitor</h1>\n"
        << fmt::format("<p class=\"sub\">{}; {} – {} UTC, buckets of {}; generated {}</p>\n",
                       html_escape(scope), format_utc_minute(q.since_ms),
                       format_utc_minute(q.until_ms),
                       q.bucket_ms % 3600000 == 0 ? fmt::format("{} h", q.bucket_ms / 3600000)
                       : q.bucket_ms % 60000 == 0 ? fmt::format("{} min", q.bucket_ms / 60000)
                                                  : fmt::format("{} s", q.bucket_ms / 1000),
                       html_escape(d.generated_at));
    write_summary(d, out);

    out << "<h2>Over time</h2>\n<div class=\"legend\">";
    for (const auto& r : d.releases)
        out << fmt::format("<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
                           series_color(r.color), html_escape(r.name));
    out << "<span>markers: <b style=\"color:#3b6fd4\">deploy</b> · "
           "<b style=\"color:#2e9e5b\">promote</b> · <b style=\"color:#c23b3b\">rollback</b> · "
           "<b style=\"color:#8a8f9c\">ramp</b> · <b style=\"color:#d9822b\">alert</b></span>"
           "</div>\n<div class=\"charts\">\n";
    const std::vector<TimeMarker> markers = markers_of(d);
    const TimeAxis axis{q.since_ms, q.until_ms, q.bucket_ms};
    for (const auto& chart : d.charts)
        out << time_chart_svg(chart, axis, markers) << "\n";
    out << "</div>\n";
    write_deploys(d, out);
    write_alerts(d, out);
    out << "<p class=\"note\">Figures as <code>llmops monitor</code> computes them by release; "
           "percentiles by numpy's 'linear' rule; formulas in docs/monitoring.md.</p>\n"
        << "</body></html>\n";
}

} // namespace llmops::report
