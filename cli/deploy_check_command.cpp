// llmops deploy check ENV [--route R] [--auto]: the canary against its stable release on the
// traffic each served (docs/deploy.md, "deploy check").
#include "cli_context.hpp"
#include "core/error.hpp"
#include "deploy/canary_analysis.hpp"

#include <fmt/format.h>

namespace llmops::cli {

namespace {

struct CheckFlags {
    std::string env;
    std::string route;
    bool apply = false;
};

std::string release_text(const deploy::Release& r) {
    return fmt::format("{} ({} × {})", r.number, r.prompt_ref, r.provider_id);
}

std::string ms_text(const std::optional<double>& ms) {
    return ms ? fmt::format("{:.1f} ms", *ms) : std::string("-");
}

std::string arm_rows(const deploy::ArmFigures& s, const deploy::ArmFigures& c) {
    auto row = [](std::string_view label, const std::string& stable, const std::string& canary) {
        return fmt::format("  {:<22}{:<30}{}\n", label, stable, canary);
    };
    std::string text = row("", "STABLE", "CANARY");
    text += row("release", release_text(s.release), release_text(c.release));
    text += row("requests", std::to_string(s.requests), std::to_string(c.requests));
    text += row("errors", fmt::format("{} ({:.2f}%)", s.errors, 100 * s.error_rate),
                fmt::format("{} ({:.2f}%)", c.errors, 100 * c.error_rate));
    text += row("latency p50", ms_text(s.latency_p50_ms), ms_text(c.latency_p50_ms));
    text += row("latency p95", ms_text(s.latency_p95_ms), ms_text(c.latency_p95_ms));
    text += row("latency p99", ms_text(s.latency_p99_ms), ms_text(c.latency_p99_ms));
    text += row("cost per request", fmt::format("${:.6f}", s.cost_per_request),
                fmt::format("${:.6f}", c.cost_per_request));
    std::map<std::string, int> names;
    for (const auto* arm : {&s, &c})
        for (const auto& [name, _] : arm->feedback)
            names[name] = 1;
    auto score = [](const deploy::ArmFigures& arm, const std::string& name) {
        auto it = arm.feedback.find(name);
        if (it == arm.feedback.end()) return std::string("-");
        double sum = 0;
        for (double v : it->second)
            sum += v;
        return fmt::format("{:.4g} (n={})", sum / static_cast<double>(it->second.size()),
                           it->second.size());
    };
    for (const auto& [name, _] : names)
        text += row("feedback " + name, score(s, name), score(c, name));
    return text;
}

std::string check_text(const deploy::CanaryCheckResult& r) {
    const deploy::CanaryAnalysis& a = r.analysis;
    std::string text =
        fmt::format("deploy check {} (route {}): canary at {:g}% since {}\n\n", a.traffic.env,
                    a.traffic.route, a.traffic.canary_percent, a.since);
    text += arm_rows(a.stable, a.canary);
    text += fmt::format("\n  {:<22}{:<18}{:<8}{}\n", "METRIC", "TEST", "RESULT", "DETAIL");
    for (const auto& c : a.comparisons) {
        std::string result = !c.tested ? "-" : c.failed ? "WORSE" : "ok";
        text += fmt::format("  {:<22}{:<18}{:<8}{}\n", c.metric, c.test.empty() ? "-" : c.test,
                            result, c.detail);
    }
    std::string verdict = a.verdict;
    for (auto& ch : verdict)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    text += fmt::format("\n{}: {}\n", verdict, a.reason);
    if (r.change)
        text += fmt::format("applied: {} (attempt {}); stable is now release {}\n", a.verdict,
                            r.attempt_id, release_text(r.change->after.stable));
    else if (r.applied)
        text += fmt::format("recorded: hold (attempt {}); nothing moved\n", r.attempt_id);
    else
        text += "not applied (--auto applies it and records it in the deploy history)\n";
    return text;
}

int cmd_check(CliContext& ctx, const CheckFlags& f) {
    store::Project project =
        ctx.open_project(f.apply ? store::StoreAccess::Write : store::StoreAccess::Read);
    auto environments = deploy::load_environments(project.paths().config_file);
    const deploy::Environment& env = environments.get(f.env);
    std::string route = f.route.empty() ? deploy::only_route(project.db(), f.env) : f.route;
    deploy::CanaryCheckResult result = deploy::check_canary(project, env, route, f.apply);
    if (ctx.json())
        ctx.print_json(deploy::canary_check_to_json(result));
    else
        ctx.out(check_text(result));
    return result.analysis.verdict == "rollback" ? exit_code_for(ErrorKind::CheckFailed) : 0;
}

} // namespace

void register_deploy_check_command(CLI::App& deploy, CliContext& ctx) {
    static CheckFlags f;
    CLI::App* check = ctx.command(deploy, "check", [&ctx] { return cmd_check(ctx, f); });
    check->add_option("env", f.env, "The environment")->required();
    check->add_option("--route", f.route, "The route (default: the environment's only one)");
    check->add_flag("--auto", f.apply,
                    "Apply the verdict (promote or roll back) and record it in the deploy "
                    "history");
}

} // namespace llmops::cli
