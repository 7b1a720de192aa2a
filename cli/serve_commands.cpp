// llmops serve | logs list/show/tail/export | keys create/list/revoke (docs/serve.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/time.hpp"
#include "interrupt.hpp"
#include "monitor/alert_loop.hpp"
#include "monitor/time_window.hpp"
#include "option_rules.hpp"
#include "serve/api_keys.hpp"
#include "serve/gateway.hpp"
#include "serve/request_log.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <thread>

namespace llmops::cli {

using nlohmann::json;

namespace {

struct ServeFlags {
    std::string env;
    std::optional<int> port;
    std::string host;
    std::string log_bodies;
    std::string port_file;
    std::optional<double> drain_timeout;
};

void write_port_file(const std::string& path, int port) {
    namespace fs = std::filesystem;
    fs::path tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << "\n";
        if (!out.flush()) throw_bad_input("cannot write --port-file " + path);
    }
    fs::rename(tmp, path);
}

int serve_command(CliContext& ctx, const ServeFlags& flags) {
    serve::GatewayOptions options;
    options.paths = ctx.project_paths();
    options.env = flags.env;
    options.config = serve::load_serve_config(options.paths.config_file);
    if (flags.port) options.config.port = *flags.port;
    if (!flags.host.empty()) options.config.host = flags.host;
    if (!flags.log_bodies.empty())
        options.config.log_bodies = serve::parse_body_policy(flags.log_bodies);
    if (flags.drain_timeout) options.config.drain_timeout_s = *flags.drain_timeout;
    options.note = [&ctx](std::string_view line) { ctx.note(line); };
    // Alert rules are evaluated inside the gateway (docs/monitoring.md#inside-serve).
    monitor::AlertLoopOptions alerts{options.paths.database(), options.paths.root,
                                     monitor::load_alert_config(options.paths.config_file),
                                     options.note};
    if (!alerts.config.rules.empty())
        options.background = [alerts](const std::atomic<bool>& stop) {
            monitor::run_alert_loop(alerts, stop);
        };
    InterruptGuard interrupt;
    serve::Gateway gateway(std::move(options));
    ctx.note(fmt::format("llmops serve: {} route(s) of {} on http://{}:{} (Ctrl-C or SIGTERM "
                         "stops it)",
                         gateway.route_count(), flags.env,
                         flags.host.empty() ? std::string("127.0.0.1") : flags.host,
                         gateway.port()));
    if (!flags.port_file.empty()) write_port_file(flags.port_file, gateway.port());
    serve::GatewaySummary summary = gateway.run(*interrupt.flag());
    ctx.note(fmt::format("llmops serve: stopped after {} request(s); {} log row(s) written{}",
                         summary.requests, summary.log_rows,
                         summary.abandoned ? fmt::format("; {} request(s) cut at the drain timeout",
                                                         summary.abandoned)
                                           : std::string()));
    return 0;
}

struct LogFlags {
    std::string route;
    std::string since;
    std::optional<int> status;
    bool errors = false;
    std::size_t limit = 50;
    std::string id;
    std::string output;
    bool follow = false;
};

serve::LogFilter filter_of(const LogFlags& f) {
    serve::LogFilter filter;
    filter.route = f.route;
    filter.since = f.since;
    filter.status = f.status;
    filter.errors_only = f.errors;
    filter.limit = f.limit;
    return filter;
}

std::unique_ptr<serve::RequestLogBackend> open_log(CliContext& ctx) {
    store::ProjectPaths paths = ctx.project_paths();
    store::Project::open(paths, store::StoreAccess::Read); // checks and migrates the store
    return serve::open_store_request_log(paths.database());
}

std::string log_line(const serve::StoredRequest& s) {
    const auto& r = s.record;
    std::string release = r.release_number ? fmt::format("{}@{}{}", r.route, *r.release_number,
                                                         r.canary ? "(canary)" : "")
                                           : (r.route.empty() ? r.provider : r.route);
    return fmt::format("{}  {}  {:<3}  {:<28} {:>9.1f} ms  {:>5}/{:<5} {}{}\n", r.created_at, r.id,
                       r.status, release.empty() ? r.path : release, r.total_ms, r.prompt_tokens,
                       r.completion_tokens, r.streamed ? "stream " : "",
                       r.error_kind.empty() ? "" : r.error_kind);
}

int logs_list(CliContext& ctx, const LogFlags& flags) {
    auto log = open_log(ctx);
    auto rows = log->list(filter_of(flags));
    if (ctx.json()) {
        json out = json::array();
        for (const auto& r : rows)
            out.push_back(serve::request_record_to_json(r));
        ctx.print_json(out);
        return 0;
    }
    if (rows.empty()) ctx.note("no requests logged");
    for (const auto& r : rows)
        ctx.out(log_line(r));
    return 0;
}

int logs_show(CliContext& ctx, const LogFlags& flags) {
    auto log = open_log(ctx);
    auto row = log->get(flags.id);
    if (!row) throw_usage("no request '" + flags.id + "' in the request log");
    json out = serve::request_record_to_json(*row);
    json feedback = json::array();
    for (const auto& f : log->feedback_for(flags.id))
        feedback.push_back(serve::feedback_to_json(f));
    out["feedback"] = std::move(feedback);
    if (ctx.json()) {
        ctx.print_json(out);
        return 0;
    }
    for (const auto& [k, v] : out.items())
        ctx.out(fmt::format("{:<18} {}\n", k, v.is_string() ? v.get<std::string>() : v.dump()));
    return 0;
}

int logs_tail(CliContext& ctx, const LogFlags& flags) {
    auto log = open_log(ctx);
    serve::LogFollower follower(filter_of(flags));
    auto print = [&ctx](const std::vector<serve::StoredRequest>& rows) {
        for (const auto& r : rows)
            ctx.out(ctx.json() ? serve::request_record_to_json(r).dump() + "\n" : log_line(r));
        std::fflush(stdout);
    };
    print(follower.start(*log, flags.limit));
    if (!flags.follow) return 0;
    InterruptGuard interrupt;
    while (!interrupt.interrupted()) {
        print(follower.poll(*log));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return 0;
}

int logs_export(CliContext& ctx, const LogFlags& flags) {
    auto log = open_log(ctx);
    serve::LogFilter filter = filter_of(flags);
    filter.limit = 0;
    auto rows = log->list(filter);
    std::string text;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it)
        text += serve::request_record_to_json(*it).dump(-1, ' ', false,
                                                        json::error_handler_t::replace) +
                "\n";
    if (flags.output.empty() || flags.output == "-") {
        ctx.out(text);
    } else {
        std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
        if (!out || !(out << text).flush()) throw_bad_input("cannot write " + flags.output);
        ctx.note(fmt::format("exported {} request(s) to {}", rows.size(), flags.output));
    }
    return 0;
}

int logs_prune(CliContext& ctx, const std::string& before) {
    std::int64_t cutoff = monitor::parse_time_or_ago(before, now_unix_ms(), "--before");
    store::ProjectPaths paths = ctx.project_paths();
    store::Project::open(paths, store::StoreAccess::Write); // checks and migrates the store
    auto log = serve::open_store_request_log(paths.database());
    std::uint64_t removed = log->prune_before(cutoff);
    if (ctx.json())
        ctx.print_json({{"removed", removed}, {"before", iso8601_from_ms(cutoff)}});
    else
        ctx.note(fmt::format("removed {} request(s) logged before {}", removed,
                             iso8601_from_ms(cutoff)));
    return 0;
}

struct KeyFlags {
    std::string name;
    std::optional<double> rpm;
    std::optional<double> tpm;
    std::optional<double> budget;
    std::vector<std::string> routes;
    bool all = false;
};

} // namespace

void register_serve_commands(CLI::App& app, CliContext& ctx) {
    auto serve_flags = std::make_shared<ServeFlags>();
    CLI::App* c =
        ctx.command(app, "serve", [&ctx, serve_flags] { return serve_command(ctx, *serve_flags); });
    c->add_option("--env", serve_flags->env, "The environment whose live releases are served")
        ->required();
    c->add_option("--port", serve_flags->port, "Port (default: serve.port, 8080; 0 = any free)")
        ->check(whole_number(0, 65535))
        ->option_text("N");
    c->add_option("--host", serve_flags->host,
                  "Address to bind (default 127.0.0.1; others need API keys)");
    c->add_option("--log-bodies", serve_flags->log_bodies,
                  "Request and response bodies in the log: full, hash or none")
        ->check(CLI::IsMember({"full", "hash", "none"}))
        ->option_text("POLICY");
    c->add_option("--port-file", serve_flags->port_file,
                  "Write the port to this file once listening")
        ->option_text("FILE");
    c->add_option("--drain-timeout", serve_flags->drain_timeout,
                  "How long requests in flight may take after SIGTERM (10s, 2m)")
        ->transform(duration_seconds(0.001, 86400))
        ->option_text("DURATION");

    auto log_flags = std::make_shared<LogFlags>();
    CLI::App* logs = ctx.group(app, "logs");
    auto filters = [log_flags](CLI::App* cmd) {
        cmd->add_option("--route", log_flags->route, "Only this route");
        cmd->add_option("--since", log_flags->since, "Only requests at or after this ISO time");
        cmd->add_option("--status", log_flags->status, "Only this HTTP status")
            ->check(whole_number(100, 599))
            ->option_text("CODE");
        cmd->add_flag("--errors", log_flags->errors, "Only failed requests (status >= 400)");
    };
    c = ctx.command(*logs, "list", [&ctx, log_flags] { return logs_list(ctx, *log_flags); });
    filters(c);
    c->add_option("-n,--limit", log_flags->limit, "How many (default 50; 0 = all)")
        ->check(whole_number(0))
        ->option_text("N");
    c = ctx.command(*logs, "show", [&ctx, log_flags] { return logs_show(ctx, *log_flags); });
    c->add_option("id", log_flags->id, "The request id (x-request-id)")->required();
    c = ctx.command(*logs, "tail", [&ctx, log_flags] { return logs_tail(ctx, *log_flags); });
    filters(c);
    c->add_option("-n,--limit", log_flags->limit, "How many to show first (default 50)")
        ->check(whole_number(0))
        ->option_text("N");
    c->add_flag("-f,--follow", log_flags->follow, "Keep printing new requests until Ctrl-C");
    c = ctx.command(*logs, "export", [&ctx, log_flags] { return logs_export(ctx, *log_flags); });
    filters(c);
    c->add_option("-o,--output", log_flags->output, "File to write (default: stdout)");
    c = ctx.command(*logs, "prune",
                    [&ctx, log_flags] { return logs_prune(ctx, log_flags->since); });
    c->add_option("--before", log_flags->since,
                  "Delete requests before this time: ISO 8601, or a duration ago (30d)")
        ->required()
        ->option_text("TIME");

    auto key_flags = std::make_shared<KeyFlags>();
    CLI::App* keys = ctx.group(app, "keys");
    c = ctx.command(*keys, "create", [&ctx, key_flags] {
        store::Project project = ctx.open_project(store::StoreAccess::Write);
        serve::KeyLimits limits{key_flags->rpm, key_flags->tpm, key_flags->budget,
                                key_flags->routes};
        auto created = serve::create_key(project.db(), key_flags->name, limits);
        if (ctx.json()) {
            json out = serve::api_key_to_json(created.key);
            out["key"] = created.secret;
            ctx.print_json(out);
        } else {
            ctx.out(created.secret + "\n");
            ctx.note("key '" + created.key.name +
                     "' created; it is shown only now, store it safely");
        }
        return 0;
    });
    c->add_option("name", key_flags->name, "The key's name")->required();
    c->add_option("--rpm", key_flags->rpm, "Requests per minute")->check(requests_per_minute());
    c->add_option("--tpm", key_flags->tpm, "Tokens per minute (prompt + completion)")
        ->check(tokens_per_minute());
    c->add_option("--budget-usd", key_flags->budget, "Total spend allowed, USD")
        ->check(real_number({0, 1e9, true, "USD"}))
        ->option_text("USD");
    c->add_option("--routes", key_flags->routes, "Routes it may use (default: all)")
        ->delimiter(',');
    c = ctx.command(*keys, "list", [&ctx, key_flags] {
        store::Project project = ctx.open_project(store::StoreAccess::Read);
        auto list = serve::list_keys(project.db(), key_flags->all);
        if (ctx.json()) {
            json out = json::array();
            for (const auto& k : list)
                out.push_back(serve::api_key_to_json(k));
            ctx.print_json(out);
            return 0;
        }
        if (list.empty()) ctx.note("no keys");
        auto num = [](const std::optional<double>& v) {
            return v ? fmt::format("{:g}", *v) : std::string("-");
        };
        for (const auto& k : list)
            ctx.out(
                fmt::format("{:<20} {}…  rpm {:<6} tpm {:<8} budget {:<8} routes {}{}\n", k.name,
                            k.prefix, num(k.rpm), num(k.tpm), num(k.budget_usd),
                            k.routes.empty() ? "all" : fmt::format("{}", fmt::join(k.routes, ",")),
                            k.revoked_at ? "  revoked " + *k.revoked_at : ""));
        return 0;
    });
    c->add_flag("--all", key_flags->all, "Include revoked keys");
    c = ctx.command(*keys, "revoke", [&ctx, key_flags] {
        store::Project project = ctx.open_project(store::StoreAccess::Write);
        auto k = serve::revoke_key(project.db(), key_flags->name);
        if (ctx.json())
            ctx.print_json(serve::api_key_to_json(k));
        else
            ctx.note("key '" + k.name + "' revoked");
        return 0;
    });
    c->add_option("name", key_flags->name, "The key's name")->required();
}

} // namespace llmops::cli
