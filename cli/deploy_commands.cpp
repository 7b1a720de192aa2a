// llmops deploy PROMPT --env ENV | status | history | rollback | promote | ramp | route
// (docs/deploy.md); `deploy check` is in deploy_check_command.cpp.
#include "cli_context.hpp"
#include "core/error.hpp"
#include "deploy/deployer.hpp"
#include "deploy/traffic_split.hpp"
#include "interrupt.hpp"
#include "option_rules.hpp"
#include "report/deploy_report.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <vector>

namespace llmops::cli {

namespace {

struct DeployFlags {
    std::string prompt;
    std::string env;
    std::string provider;
    std::string route;
    std::optional<double> canary;
    bool dry_run = false;
    bool force = false;
    std::string message;
    std::string junit;
    std::string markdown;
};

// A report file must be creatable before any gate runs: the gates may take minutes.
void check_report_path(const std::string& path, const char* flag) {
    if (path.empty()) return;
    namespace fs = std::filesystem;
    fs::path p(path);
    fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (fs::is_directory(p))
        throw_bad_input(fmt::format("cannot write {} {}: it is a directory", flag, path));
    if (!fs::is_directory(parent))
        throw_bad_input(fmt::format("cannot write {} {}: folder {} does not exist", flag, path,
                                    parent.string()));
}

template <typename Writer> void write_file(const std::string& path, Writer&& writer) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw_bad_input(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    writer(out);
    if (!out.flush())
        throw_bad_input(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

std::string release_line(const deploy::Release& r) {
    return fmt::format("release {} ({} × {})", r.number, r.prompt_ref, r.provider_id);
}

std::string deploy_text(const deploy::DeployResult& r) {
    std::string text = fmt::format("deploy {} × {} to {} (route {})\n", r.candidate.prompt.ref(),
                                   r.candidate.provider.id, r.env, r.candidate.route);
    text += "  live now: " + (r.live_before ? release_line(*r.live_before) : "nothing") + "\n";
    if (!r.gates.results.empty())
        text += fmt::format("\n  {:<34}{:<7}{}\n", "GATE", "RESULT", "DETAIL");
    std::size_t failed = 0;
    for (const auto& g : r.gates.results) {
        failed += g.passed ? 0 : 1;
        std::string evidence;
        if (g.baseline_eval_id)
            evidence += fmt::format("live: eval {}{}", *g.baseline_eval_id,
                                    g.baseline_reused ? " reused" : "");
        if (g.eval_id)
            evidence += fmt::format("{}candidate: eval {}{}", evidence.empty() ? "" : "; ",
                                    *g.eval_id, g.reused ? " reused, no requests" : "");
        text += fmt::format("  {:<34}{:<7}{}{}\n", g.name, g.passed ? "pass" : "FAIL", g.detail,
                            evidence.empty() ? "" : "  [" + evidence + "]");
    }
    text += "\n";
    std::string weight = r.canary_percent ? fmt::format("a {:g}% canary", *r.canary_percent)
                                          : std::string("100% of traffic");
    if (r.outcome == "dry-run")
        text += fmt::format(
            "DRY RUN: {} (attempt {}); nothing moved\n",
            r.gates.passed ? "every gate passed"
                           : fmt::format("{} of {} gates failed", failed, r.gates.results.size()),
            r.attempt_id);
    else if (r.outcome == "blocked")
        text += fmt::format("BLOCKED: {} of {} gates failed; nothing moved (attempt {})\n", failed,
                            r.gates.results.size(), r.attempt_id);
    else if (r.reused_release)
        text += fmt::format("PASSED: {} is already live in {}; nothing moved (attempt {})\n",
                            release_line(*r.release), r.env, r.attempt_id);
    else
        text += fmt::format("{}: {} is live in {} as {} (attempt {})\n",
                            r.outcome == "forced" ? "FORCED" : "PASSED", release_line(*r.release),
                            r.env, weight, r.attempt_id);
    return text;
}

int cmd_deploy(CliContext& ctx, const DeployFlags& f) {
    if (f.prompt.empty())
        throw_usage("deploy needs a PROMPT reference, or a subcommand",
                    "llmops deploy qa-answer@3 --env staging");
    if (f.env.empty()) throw_usage("deploy needs --env ENV");
    check_report_path(f.junit, "--junit");
    check_report_path(f.markdown, "--markdown");
    InterruptGuard interrupt;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    auto environments = deploy::load_environments(project.paths().config_file);
    deploy::DeployRequest request{.prompt_ref = f.prompt,
                                  .env = f.env,
                                  .provider_id = f.provider,
                                  .route = f.route,
                                  .canary_percent = f.canary,
                                  .dry_run = f.dry_run,
                                  .force = f.force,
                                  .message = f.message,
                                  .gates = {}};
    request.gates.cancel = interrupt.flag();
    request.gates.progress = [&ctx](std::string_view line) { ctx.note(line); };
    if (ctx.options.verbose)
        request.gates.log = [&ctx](std::string_view line) { ctx.verbose(line); };
    deploy::DeployResult result = deploy::deploy(project, environments, request);
    if (result.outcome == "interrupted") {
        ctx.warn("interrupted while the gates ran; nothing was recorded");
        return kInterruptedExitCode;
    }
    if (!f.junit.empty())
        write_file(f.junit, [&](std::ostream& o) { report::write_deploy_junit(result, o); });
    if (!f.markdown.empty())
        write_file(f.markdown, [&](std::ostream& o) { report::write_deploy_markdown(result, o); });
    if (ctx.json())
        ctx.print_json(deploy::deploy_result_to_json(result));
    else
        ctx.out(deploy_text(result));
    if (result.outcome == "forced")
        ctx.warn("deployed although gates failed (--force): " + f.message);
    bool ok = result.outcome == "passed" || result.outcome == "forced" ||
              (result.outcome == "dry-run" && result.gates.passed);
    return ok ? 0 : exit_code_for(ErrorKind::CheckFailed);
}

std::string traffic_line(const deploy::Traffic& t) {
    std::string line = fmt::format("{:<14}{:<20}{:<40}", t.env, t.route, release_line(t.stable));
    if (t.canary)
        line += fmt::format("{} at {:g}%", release_line(*t.canary), t.canary_percent);
    else
        line += "-";
    return line;
}

int cmd_status(CliContext& ctx, const std::string& env) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto traffic = deploy::list_traffic(project.db(), env);
    if (ctx.json()) {
        ctx.print_json(deploy::traffic_list_to_json(traffic));
        return 0;
    }
    if (traffic.empty()) {
        ctx.note(env.empty() ? "nothing is deployed" : "nothing is deployed to " + env);
        return 0;
    }
    std::string text = fmt::format("{:<14}{:<20}{:<40}{}\n", "ENV", "ROUTE", "STABLE", "CANARY");
    for (const auto& t : traffic)
        text += traffic_line(t) + "\n";
    ctx.out(text);
    return 0;
}

struct HistoryFlags {
    std::string env;
    std::string route;
    std::string at;
    std::size_t limit = 50;
};

int cmd_history(CliContext& ctx, const HistoryFlags& f) {
    std::string at = f.at.empty() ? std::string() : deploy::parse_point_in_time(f.at);
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    if (!at.empty()) {
        std::vector<deploy::Traffic> live;
        for (const auto& [env, route] : deploy::known_routes(project.db(), f.env))
            if (f.route.empty() || route == f.route)
                if (auto t = deploy::traffic_at(project.db(), env, route, at))
                    live.push_back(std::move(*t));
        if (ctx.json()) {
            ctx.print_json(deploy::live_at_to_json(at, live));
            return 0;
        }
        std::string text = fmt::format("live at {}\n{:<14}{:<20}{:<40}{}\n", at, "ENV", "ROUTE",
                                       "STABLE", "CANARY");
        for (const auto& t : live)
            text += traffic_line(t) + "\n";
        if (live.empty()) text += "(nothing was live)\n";
        ctx.out(text);
        return 0;
    }
    auto attempts = deploy::list_attempts(project.db(), f.env, f.route, f.limit);
    if (ctx.json()) {
        ctx.print_json(deploy::attempts_to_json(attempts));
        return 0;
    }
    std::string text =
        fmt::format("{:>5}  {:<26}{:<12}{:<18}{:<10}{:<12}{:>8}  {:<12}{}\n", "ID", "TIME", "ENV",
                    "ROUTE", "ACTION", "OUTCOME", "RELEASE", "ACTOR", "MESSAGE");
    for (const auto& a : attempts)
        text += fmt::format("{:>5}  {:<26}{:<12}{:<18}{:<10}{:<12}{:>8}  {:<12}{}\n", a.id,
                            a.created_at, a.env, a.route, a.action, a.outcome,
                            a.release_number ? std::to_string(*a.release_number) : "-", a.actor,
                            a.message);
    ctx.out(text);
    return 0;
}

struct TrafficFlags {
    std::string env;
    std::string route;
    std::optional<std::int64_t> to;
    double percent = 0;
    std::string message;
    std::vector<std::string> keys;
};

std::string route_or_only(store::Project& project, const TrafficFlags& f) {
    return f.route.empty() ? deploy::only_route(project.db(), f.env) : f.route;
}

int print_change(CliContext& ctx, const deploy::TrafficChange& c) {
    if (ctx.json()) {
        ctx.print_json(deploy::traffic_change_to_json(c));
        return 0;
    }
    ctx.out(fmt::format("{} {}: {}\n  before  {}\n  after   {}\n", c.after.env, c.after.route,
                        c.action, traffic_line(c.before), traffic_line(c.after)));
    return 0;
}

int cmd_traffic(CliContext& ctx, const std::string& action, const TrafficFlags& f) {
    if (action == "ramp") deploy::weight_basis_points(f.percent); // a usage error before the store
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    std::string route = route_or_only(project, f);
    if (action == "rollback")
        return print_change(ctx, deploy::rollback(project, f.env, route, f.to, f.message));
    if (action == "promote")
        return print_change(ctx, deploy::promote(project, f.env, route, f.message));
    return print_change(ctx, deploy::ramp(project, f.env, route, f.percent, f.message));
}

int cmd_route(CliContext& ctx, const TrafficFlags& f) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    std::string route = route_or_only(project, f);
    for (const std::string& key : f.keys) {
        deploy::RouteAnswer a = deploy::route_for(project.db(), f.env, route, key);
        if (ctx.json()) {
            ctx.print_json(deploy::route_answer_to_json(f.env, route, key, a));
            continue;
        }
        ctx.out(fmt::format("{}{} ({}; bucket {} of {})\n", f.keys.size() > 1 ? key + ": " : "",
                            release_line(a.release()), a.canary ? "canary" : "stable", a.bucket,
                            deploy::kTrafficBuckets));
    }
    return 0;
}

} // namespace

void register_deploy_commands(CLI::App& app, CliContext& ctx) {
    static DeployFlags f;
    // `deploy PROMPT` runs when no subcommand (status, history ...) is named.
    CLI::App* cmd = ctx.command(app, "deploy", [&ctx] { return cmd_deploy(ctx, f); });
    cmd->add_option("prompt", f.prompt, "The candidate prompt version (NAME@VERSION, NAME@label)");
    cmd->add_option("--env", f.env, "The environment (environments: in llmops.yaml)");
    cmd->add_option("--provider", f.provider, "The provider (default: the one live on the route)");
    cmd->add_option("--route", f.route,
                    "The route name it is served under (default: the "
                    "prompt's name)");
    cmd->add_option("--canary", f.canary,
                    "Send this percentage of users to the candidate (0-100); the live release "
                    "keeps the rest")
        ->check(traffic_percent())
        ->option_text("PCT");
    cmd->add_flag("--dry-run", f.dry_run, "Run the gates and record the attempt; move nothing");
    cmd->add_flag("--force", f.force, "Go live even if gates fail (needs -m)");
    cmd->add_option("-m,--message", f.message, "Why: recorded with the attempt");
    cmd->add_option("--junit", f.junit, "Write the gate results as JUnit XML to FILE");
    cmd->add_option("--markdown", f.markdown, "Write a Markdown summary to FILE");

    static std::string status_env;
    ctx.command(*cmd, "status", [&ctx] { return cmd_status(ctx, status_env); })
        ->add_option("env", status_env, "Only this environment");

    static HistoryFlags h;
    CLI::App* history = ctx.command(*cmd, "history", [&ctx] { return cmd_history(ctx, h); });
    history->add_option("env", h.env, "Only this environment");
    history->add_option("--route", h.route, "Only this route");
    history->add_option("--at", h.at,
                        "What was live at this time (2026-12-05T14:02 UTC, "
                        "+01:00 offsets, or 2h ago)");
    history->add_option("-n,--limit", h.limit, "At most this many attempts (0 = all)")
        ->check(whole_number(0))
        ->option_text("N");

    static TrafficFlags t;
    CLI::App* rollback =
        ctx.command(*cmd, "rollback", [&ctx] { return cmd_traffic(ctx, "rollback", t); });
    rollback->add_option("env", t.env, "The environment")->required();
    rollback->add_option("--route", t.route, "The route (default: the environment's only one)");
    rollback
        ->add_option("--to", t.to,
                     "The release number (default: drop the canary, else the "
                     "previous release)")
        ->check(whole_number(1))
        ->option_text("N");
    rollback->add_option("-m,--message", t.message, "Why: recorded with the change");

    CLI::App* promote =
        ctx.command(*cmd, "promote", [&ctx] { return cmd_traffic(ctx, "promote", t); });
    promote->add_option("env", t.env, "The environment")->required();
    promote->add_option("--route", t.route, "The route (default: the environment's only one)");
    promote->add_option("-m,--message", t.message, "Why: recorded with the change");

    CLI::App* ramp = ctx.command(*cmd, "ramp", [&ctx] { return cmd_traffic(ctx, "ramp", t); });
    ramp->add_option("env", t.env, "The environment")->required();
    ramp->add_option("percent", t.percent, "The canary's new share, 0-100 (100 promotes it)")
        ->required()
        ->check(traffic_percent())
        ->option_text("PCT");
    ramp->add_option("--route", t.route, "The route (default: the environment's only one)");
    ramp->add_option("-m,--message", t.message, "Why: recorded with the change");

    CLI::App* route = ctx.command(*cmd, "route", [&ctx] { return cmd_route(ctx, t); });
    route->add_option("env", t.env, "The environment")->required();
    route->add_option("--route", t.route, "The route (default: the environment's only one)");
    route
        ->add_option("--key", t.keys,
                     "The user key (OpenAI `user` field or X-User-Id); repeat it, or give "
                     "several, for one answer each")
        ->required()
        ->option_text("KEY...");

    register_deploy_check_command(*cmd, ctx);
}

} // namespace llmops::cli
