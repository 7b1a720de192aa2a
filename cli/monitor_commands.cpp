// llmops monitor | monitor check (docs/monitoring.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "monitor/alert_delivery.hpp"
#include "monitor/alert_evaluation.hpp"
#include "monitor/request_metrics.hpp"
#include "monitor/time_window.hpp"
#include "option_rules.hpp"

#include <fmt/format.h>

namespace llmops::cli {

using nlohmann::json;

namespace {

struct MonitorFlags {
    std::string since = "24h";
    std::string until;
    std::string env;
    std::string route;
    std::string by;
    std::string bucket;
    std::string user_window = "24h";
    std::size_t top_users = 10;
};

std::string opt_ms(const std::optional<double>& v) {
    return v ? fmt::format("{:.1f}", *v) : std::string("-");
}

std::string percent(double rate) {
    return fmt::format("{:.2f}%", rate * 100);
}

// One line of the summary table.
std::string figures_line(const std::string& label, const monitor::Figures& f) {
    return fmt::format("{:<24} {:>9} {:>8.3f} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} "
                       "{:>8.2f} {:>10} {:>10.4f} {:>6} {:>7}\n",
                       label, f.requests, f.requests_per_second, percent(f.error_rate),
                       opt_ms(f.total_ms.p50), opt_ms(f.total_ms.p95), opt_ms(f.total_ms.p99),
                       opt_ms(f.upstream_ms.p95), opt_ms(f.queue_ms.p95), opt_ms(f.ttft_ms.p50),
                       opt_ms(f.ttft_ms.p95), f.output_tokens_per_second,
                       f.prompt_tokens + f.completion_tokens, f.cost_usd,
                       fmt::format("{:.0f}%", f.cache_hit_rate * 100), f.flagged);
}

std::string table_header(const std::string& first) {
    return fmt::format("{:<24} {:>9} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} "
                       "{:>8} {:>10} {:>10} {:>6} {:>7}\n",
                       first, "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "up p95",
                       "queue95", "ttft50", "ttft95", "out t/s", "tokens", "cost $", "cache",
                       "flagged");
}

void print_details(CliContext& ctx, const std::string& label, const monitor::Figures& f) {
    for (const auto& [kind, n] : f.errors_by_kind)
        ctx.out(fmt::format("  {} error {:<22} {:>8}  {}\n", label, kind, n,
                            percent(static_cast<double>(n) / static_cast<double>(f.requests))));
    for (const auto& fb : f.feedback) {
        std::string categories;
        for (const auto& [value, n] : fb.categories)
            categories += fmt::format(" {}={}", value, n);
        ctx.out(fmt::format("  {} feedback {:<19} {:>8}  mean {}{}\n", label, fb.name, fb.count,
                            fb.mean ? fmt::format("{:.3f}", *fb.mean) : std::string("-"),
                            categories));
    }
}

int monitor_command(CliContext& ctx, const MonitorFlags& flags) {
    const std::int64_t now = now_unix_ms();
    monitor::MetricsQuery q;
    q.since_ms = monitor::parse_time_or_ago(flags.since, now, "--since");
    q.until_ms =
        flags.until.empty() ? now : monitor::parse_time_or_ago(flags.until, now, "--until");
    q.selector.env = flags.env;
    q.selector.route = flags.route;
    if (!flags.by.empty()) q.group_by = monitor::parse_group_by(flags.by);
    if (!flags.bucket.empty()) {
        auto bucket = monitor::parse_duration_ms(flags.bucket);
        if (!bucket)
            throw_usage("--bucket: expected a duration (5m, 1h), got '" + flags.bucket + "'");
        q.bucket_ms = *bucket;
    }
    auto window = monitor::parse_duration_ms(flags.user_window);
    if (!window)
        throw_usage("--user-window: expected a duration (24h, 7d), got '" + flags.user_window +
                    "'");
    q.user_window_ms = *window;
    q.top_users = flags.top_users;

    store::Project project = ctx.open_project(store::StoreAccess::Read);
    monitor::MetricsReport report = monitor::query_metrics(project.db(), q);
    if (ctx.json()) {
        ctx.print_json(monitor::to_json(report));
        return 0;
    }
    ctx.out(fmt::format("{} .. {}{}{}\n", iso8601_from_ms(q.since_ms), iso8601_from_ms(q.until_ms),
                        flags.env.empty() ? "" : "  env " + flags.env,
                        flags.route.empty() ? "" : "  route " + flags.route));
    ctx.out(
        table_header(q.group_by == monitor::GroupBy::None ? "" : monitor::to_string(q.group_by)));
    for (const auto& g : report.groups)
        ctx.out(figures_line(g.key, g.total));
    ctx.out(figures_line("all", report.total));
    for (const auto& g : report.groups)
        print_details(ctx, g.key, g.total);
    print_details(ctx, "all", report.total);
    if (q.bucket_ms > 0) {
        auto series = [&](const std::string& label, const std::vector<monitor::Bucket>& buckets) {
            ctx.out(fmt::format("\n{} per {}\n", label, monitor::format_duration_ms(q.bucket_ms)));
            ctx.out(table_header("start"));
            for (const auto& b : buckets)
                ctx.out(figures_line(iso8601_from_ms(b.start_ms).substr(0, 16), b.figures));
        };
        if (report.groups.empty()) series("all", report.buckets);
        for (const auto& g : report.groups)
            series(g.key, g.buckets);
    }
    if (!report.top_users.empty()) {
        ctx.out(fmt::format("\ncost per user since {}\n",
                            iso8601_from_ms(report.user_window_start_ms)));
        for (const auto& u : report.top_users)
            ctx.out(fmt::format("  {}  {:>9} requests  {:>10.4f} $\n", u.user_hash, u.requests,
                                u.cost_usd));
    }
    if (report.total.requests == 0) ctx.note("no requests in the window");
    return 0;
}

struct CheckFlags {
    std::string at;
    bool no_deliver = false;
};

int monitor_check(CliContext& ctx, const CheckFlags& flags) {
    store::ProjectPaths paths = ctx.project_paths();
    // Every rule is checked before anything is evaluated (exit 3 with file:line:column).
    monitor::AlertConfig config = monitor::load_alert_config(paths.config_file);
    const std::int64_t now = now_unix_ms();
    const std::int64_t at =
        flags.at.empty() ? now : monitor::parse_time_or_ago(flags.at, now, "--at");
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    monitor::Evaluation evaluation = monitor::evaluate_alerts(project.db(), config, at, &project);
    monitor::DeliveryReport delivery;
    if (!flags.no_deliver)
        // As of --at when that is later than now: what its evaluation queued is due then.
        delivery = monitor::deliver_due(project.db(), std::max(now, at), config.delivery_timeout_s,
                                        paths.root.string());
    for (const auto& a : delivery.attempts)
        if (!a.delivered)
            ctx.warn(fmt::format("delivery of {} ({}) to {} failed (try {}): {}{}", a.fingerprint,
                                 a.status, a.receiver, a.attempts, a.error,
                                 a.gave_up ? "; giving up"
                                           : "; retried at " + iso8601_from_ms(a.next_attempt_ms) +
                                                 " or later"));
    if (ctx.json()) {
        json out = monitor::to_json(evaluation);
        out["delivery"] = monitor::to_json(delivery);
        ctx.print_json(out);
    } else {
        if (config.rules.empty()) ctx.note("no alert rules in llmops.yaml (alerts.rules)");
        for (const auto& a : evaluation.alerts)
            ctx.out(fmt::format("{:<9} {:<28} {} = {} (fires when {} {:g}){}\n", to_string(a.state),
                                a.rule, a.metric,
                                a.value          ? fmt::format("{:g}", *a.value)
                                : a.note.empty() ? std::string("no data")
                                                 : "no data: " + a.note,
                                a.comparison, a.threshold,
                                a.fired_at && a.state == monitor::AlertState::Firing
                                    ? "  since " + *a.fired_at
                                    : std::string()));
        if (delivery.delivered)
            ctx.note(fmt::format("{} notification(s) delivered", delivery.delivered));
    }
    if (evaluation.firing > 0) {
        ctx.error(fmt::format("{} alert(s) firing", evaluation.firing));
        return 1;
    }
    return 0;
}

void register_monitor_check_command(CLI::App& monitor_app, CliContext& ctx) {
    auto flags = std::make_shared<CheckFlags>();
    CLI::App* c =
        ctx.command(monitor_app, "check", [&ctx, flags] { return monitor_check(ctx, *flags); });
    c->add_option("--at", flags->at,
                  "Evaluate as of this time instead of now (ISO 8601, or a duration ago)")
        ->option_text("TIME");
    c->add_flag("--no-deliver", flags->no_deliver,
                "Keep notifications queued instead of sending them now");
}

} // namespace

void register_monitor_commands(CLI::App& app, CliContext& ctx) {
    auto flags = std::make_shared<MonitorFlags>();
    CLI::App* c =
        ctx.command(app, "monitor", [&ctx, flags] { return monitor_command(ctx, *flags); });
    c->add_option("--since", flags->since,
                  "Start of the window: a duration before now (24h) or an ISO time")
        ->option_text("TIME");
    c->add_option("--until", flags->until, "End of the window (default now)")->option_text("TIME");
    c->add_option("--env", flags->env, "Only this environment");
    c->add_option("--route", flags->route, "Only this route");
    c->add_option("--by", flags->by, "Group by route, release, provider, model, key or status")
        ->check(CLI::IsMember({"route", "release", "provider", "model", "key", "status"}))
        ->option_text("FIELD");
    c->add_option("--bucket", flags->bucket, "Also a series in buckets of this duration (5m, 1h)")
        ->option_text("DURATION");
    c->add_option("--user-window", flags->user_window,
                  "Cost per user over this window, ending at --until (default 24h)")
        ->option_text("DURATION");
    c->add_option("--top-users", flags->top_users, "How many users to list by cost (default 10)")
        ->check(whole_number(0, 1000))
        ->option_text("N");
    register_monitor_check_command(*c, ctx);
    register_monitor_report_command(*c, ctx); // cli/monitor_report_command.cpp
}

} // namespace llmops::cli
