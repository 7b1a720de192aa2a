// llmops monitor report --html FILE [--since T] [--until T] [--env E] [--route R] [--bucket D]:
// the monitoring dashboard as one self-contained HTML file (docs/monitoring.md, "Dashboard").
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/time.hpp"
#include "monitor/time_window.hpp"
#include "report/monitor_dashboard.hpp"

#include <fmt/format.h>

namespace llmops::cli {

namespace {

struct ReportFlags {
    std::string html;
    std::string since = "24h";
    std::string until;
    std::string env;
    std::string route;
    std::string bucket;
};

int monitor_report(CliContext& ctx, const ReportFlags& f) {
    const std::int64_t now = now_unix_ms();
    report::DashboardRequest request;
    request.since_ms = monitor::parse_time_or_ago(f.since, now, "--since");
    request.until_ms = f.until.empty() ? now : monitor::parse_time_or_ago(f.until, now, "--until");
    request.env = f.env;
    request.route = f.route;
    if (!f.bucket.empty()) {
        auto bucket = monitor::parse_duration_ms(f.bucket);
        if (!bucket) throw_usage("--bucket: expected a duration (5m, 1h), got '" + f.bucket + "'");
        request.bucket_ms = *bucket;
    }
    check_output_path(f.html); // before any work
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    report::Dashboard dashboard = report::build_dashboard(project.db(), request);
    OutputFile out(f.html);
    report::write_dashboard_html(dashboard, out.stream());
    out.commit();
    std::uint64_t requests = 0;
    for (const auto& r : dashboard.releases)
        requests += r.requests;
    ctx.note(fmt::format("wrote {}: {} request(s) in {} release(s), {} chart(s), {} deploy "
                         "event(s), {} alert change(s)",
                         f.html, requests, dashboard.releases.size(), dashboard.charts.size(),
                         dashboard.deploys.size(), dashboard.alerts.size()));
    return 0;
}

} // namespace

void register_monitor_report_command(CLI::App& monitor_app, CliContext& ctx) {
    static ReportFlags f;
    CLI::App* c = ctx.command(monitor_app, "report", [&ctx] { return monitor_report(ctx, f); });
    c->add_option("--html", f.html, "Write the dashboard to FILE (self-contained HTML)")
        ->required()
        ->option_text("FILE");
    c->add_option("--since", f.since,
                  "Start of the window: a duration before now (24h, the default) or an ISO time")
        ->option_text("TIME");
    c->add_option("--until", f.until, "End of the window (default now)")->option_text("TIME");
    c->add_option("--env", f.env, "Only this environment");
    c->add_option("--route", f.route, "Only this route");
    c->add_option("--bucket", f.bucket,
                  "Bucket of the time series (default: about a sixtieth of the window)")
        ->option_text("DURATION");
}

} // namespace llmops::cli
