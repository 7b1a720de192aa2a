// llmops run | runs list | runs show: a prompt over a dataset against a provider (docs/runs.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "interrupt.hpp"
#include "progress_line.hpp"
#include "run/prompt_run.hpp"

#include <fmt/format.h>
#include <fstream>
#include <memory>

namespace llmops::cli {

using nlohmann::json;

namespace {

struct EngineFlags {
    std::size_t concurrency = 8;
    bool no_cache = false;
    std::optional<int> max_retries;
    std::optional<double> timeout_s;
    std::optional<double> rpm;
    std::optional<double> tpm;
};

void add_engine_flags(CLI::App* cmd, EngineFlags& flags) {
    cmd->add_option("--concurrency,-j", flags.concurrency, "Requests in flight (default 8)")
        ->check(CLI::Range(1, 1024));
    cmd->add_flag("--no-cache", flags.no_cache, "Ask the provider even when an answer is cached");
    cmd->add_option("--max-retries", flags.max_retries, "Retries per request (provider default 4)")
        ->check(CLI::Range(0, 100));
    cmd->add_option("--timeout", flags.timeout_s, "Seconds per request (provider default 60)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--rpm", flags.rpm, "Requests per minute limit")->check(CLI::PositiveNumber);
    cmd->add_option("--tpm", flags.tpm, "Tokens per minute limit")->check(CLI::PositiveNumber);
}

provider::EngineOptions engine_options(const CliContext& ctx, const EngineFlags& flags,
                                       const InterruptGuard& interrupt) {
    provider::EngineOptions engine;
    engine.concurrency = flags.concurrency;
    engine.read_cache = !flags.no_cache;
    engine.max_retries = flags.max_retries;
    engine.timeout_s = flags.timeout_s;
    engine.requests_per_minute = flags.rpm;
    engine.tokens_per_minute = flags.tpm;
    engine.cancel = interrupt.flag();
    if (ctx.options.verbose) engine.log = [&ctx](std::string_view line) { ctx.verbose(line); };
    return engine;
}

struct RunFlags {
    std::string prompt;
    std::string data;
    std::string provider;
    std::optional<std::int64_t> limit;
    std::vector<std::string> vars;
    std::string output;
    std::optional<std::int64_t> resume;
    bool retry_failed = false;
    bool force = false;
    EngineFlags engine;
};

std::map<std::string, std::string> parse_vars(const std::vector<std::string>& items) {
    std::map<std::string, std::string> vars;
    for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw_usage("--var '" + item + "' is not NAME=VALUE");
        vars[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return vars;
}

void print_run_summary(const CliContext& ctx, const run::RunInfo& info, const run::RunTotals& t) {
    if (ctx.json()) {
        ctx.print_json(run::run_to_json(info, t));
        return;
    }
    // Cached answers keep the latency they were first produced in; say how many there were.
    std::string from_cache =
        t.cached > 0 ? fmt::format("  {} of {} from cache", t.cached, t.recorded) : "";
    ctx.out(fmt::format("run {}  {}  {} × {} → {}\n"
                        "rows {}/{}  ok {}  failed {}{}\n"
                        "tokens {} in / {} out  cost ${:.4f}  latency p50 {:.0f} ms  p95 {:.0f} ms "
                        " wall {:.1f} s\n",
                        info.id, run::to_string(info.status), info.prompt_ref, info.data_source,
                        info.provider_id, t.recorded, info.row_count, t.succeeded, t.failed,
                        from_cache, t.prompt_tokens, t.completion_tokens, t.cost_usd,
                        t.latency_p50_ms, t.latency_p95_ms, info.wall_s));
}

int cmd_run(CliContext& ctx, const RunFlags& flags) {
    if (!flags.resume && (flags.prompt.empty() || flags.data.empty() || flags.provider.empty()))
        throw_usage("llmops run needs PROMPT, --data and --provider (or --resume RUN_ID)");
    if (flags.resume && (!flags.prompt.empty() || !flags.data.empty() || !flags.provider.empty() ||
                         !flags.vars.empty() || flags.limit))
        throw_usage("--resume takes the prompt, data, provider and variables of the run itself");
    if (!flags.resume && (flags.retry_failed || flags.force))
        throw_usage("--retry-failed and --force only apply with --resume");

    InterruptGuard interrupt;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    auto engine = engine_options(ctx, flags.engine, interrupt);
    std::optional<run::PromptRun> prompt_run;
    if (flags.resume) {
        prompt_run.emplace(run::PromptRun::resume(project, *flags.resume, engine,
                                                  flags.retry_failed, flags.force));
    } else {
        run::PromptRunRequest request;
        request.prompt_ref = flags.prompt;
        request.data_ref = flags.data;
        request.provider_id = flags.provider;
        request.limit = flags.limit;
        request.vars_text = parse_vars(flags.vars);
        request.engine = engine;
        prompt_run.emplace(run::PromptRun::start(project, request));
    }
    ctx.verbose(fmt::format("run {}: {} row{} to send", prompt_run->run_id(), prompt_run->planned(),
                            prompt_run->planned() == 1 ? "" : "s"));
    run::ExecutionResult result;
    {
        ProgressLine progress(ctx.stderr_is_tty() && !ctx.options.quiet,
                              fmt::format("run {}", prompt_run->run_id()), [&] {
                                  auto p = prompt_run->progress();
                                  return ProgressCounts{
                                      p.done, static_cast<std::uint64_t>(prompt_run->planned()),
                                      p.failed, p.cached};
                              });
        result = prompt_run->execute();
    }
    auto info = run::load_run(project.db(), prompt_run->run_id());
    auto totals = run::run_totals(project.db(), info.id);
    if (!flags.output.empty()) {
        std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
        if (!out) throw_bad_input("cannot write " + flags.output);
        run::export_run_rows(project.db(), info.id, out);
        if (!out.flush()) throw_bad_input("cannot write " + flags.output);
    }
    print_run_summary(ctx, info, totals);
    if (result.status == run::RunStatus::Interrupted) {
        ctx.warn(
            fmt::format("interrupted: {} of {} rows recorded; finish with 'llmops run --resume {}'",
                        totals.recorded, info.row_count, info.id));
        return kInterruptedExitCode;
    }
    if (totals.failed > 0) {
        ctx.warn(fmt::format("{} of {} rows failed; see 'llmops runs show {} --rows --failed'",
                             totals.failed, info.row_count, info.id));
        return exit_code_for(ErrorKind::Provider);
    }
    return 0;
}

int cmd_runs_list(CliContext& ctx, std::size_t limit) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto runs = run::list_runs(project.db(), "run", limit);
    if (ctx.json()) {
        json out = json::array();
        for (const auto& info : runs)
            out.push_back(run::run_to_json(info, run::run_totals(project.db(), info.id)));
        ctx.print_json(out);
        return 0;
    }
    std::string text =
        fmt::format("{:>5}  {:<12}{:<24}{:<20}{:<20}{:>12}{:>8}  {}\n", "ID", "STATUS", "PROMPT",
                    "DATA", "PROVIDER", "OK/ROWS", "FAILED", "CREATED");
    for (const auto& info : runs) {
        auto t = run::run_totals(project.db(), info.id);
        text += fmt::format("{:>5}  {:<12}{:<24}{:<20}{:<20}{:>12}{:>8}  {}\n", info.id,
                            run::to_string(info.status), info.prompt_ref, info.data_source,
                            info.provider_id, fmt::format("{}/{}", t.succeeded, info.row_count),
                            t.failed, info.created_at);
    }
    ctx.out(text);
    return 0;
}

struct ShowFlags {
    std::string id;
    bool rows = false;
    bool failed = false;
    bool raw = false;
};

int cmd_runs_show(CliContext& ctx, const ShowFlags& flags) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto info = run::load_run(project.db(), flags.id);
    auto totals = run::run_totals(project.db(), info.id);
    bool rows = flags.rows || flags.failed;
    if (ctx.json()) {
        json out = run::run_to_json(info, totals);
        if (rows) {
            out["rows"] = json::array();
            run::for_each_run_row(project.db(), info.id, [&](const run::RunRow& row) {
                if (!flags.failed || !row.ok())
                    out["rows"].push_back(run::run_row_to_json(row, flags.raw));
                return true;
            });
        }
        ctx.print_json(out);
        return 0;
    }
    print_run_summary(ctx, info, totals);
    ctx.out(fmt::format("provider {}\n", info.provider_config.dump()));
    if (!rows) return 0;
    std::string text = "\n";
    run::for_each_run_row(project.db(), info.id, [&](const run::RunRow& row) {
        if (flags.failed && row.ok()) return true;
        std::string shown =
            row.ok() ? row.result.text : "ERROR " + row.error_kind() + ": " + row.error_message();
        for (auto& c : shown)
            if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        if (shown.size() > 160) shown = shown.substr(0, 157) + "...";
        // This run measured no latency for a cached answer (nor for one never sent).
        bool measured = !row.result.cached && (row.ok() || row.result.latency_ms > 0);
        std::string latency =
            measured ? fmt::format("{:.0f} ms", row.result.latency_ms) : std::string("–");
        text += fmt::format("{:>6}  {:>8}  {}\n", row.row_index, latency, shown);
        if (flags.raw && !row.result.raw.empty())
            text += fmt::format("        raw: {}\n", row.result.raw);
        return true;
    });
    ctx.out(text);
    return 0;
}

} // namespace

void register_run_commands(CLI::App& app, CliContext& ctx) {
    auto run_flags = std::make_shared<RunFlags>();
    CLI::App* run_cmd = ctx.command(app, "run", "Run a prompt over a dataset against a provider",
                                    [&ctx, run_flags] { return cmd_run(ctx, *run_flags); });
    run_cmd->add_option("prompt", run_flags->prompt, "Prompt reference (NAME, NAME@3, NAME@label)");
    run_cmd->add_option("--data,-d", run_flags->data, "Dataset reference");
    run_cmd->add_option("--provider,-p", run_flags->provider,
                        "Provider id from llmops.yaml, or inline (openai:MODEL, exec:CMD, echo)");
    run_cmd->add_option("--limit,-n", run_flags->limit, "Only the first N rows")
        ->check(CLI::PositiveNumber);
    run_cmd->add_option("--var", run_flags->vars, "NAME=VALUE for every row (repeatable)");
    run_cmd->add_option("--output,-o", run_flags->output, "Also write the rows as JSONL to FILE");
    run_cmd->add_option("--resume", run_flags->resume, "Finish the missing rows of run ID");
    run_cmd->add_flag("--retry-failed", run_flags->retry_failed,
                      "With --resume: redo failed rows too");
    run_cmd->add_flag("--force", run_flags->force,
                      "With --resume: resume a run still marked running (its process was killed)");
    add_engine_flags(run_cmd, run_flags->engine);

    CLI::App* runs = app.add_subcommand("runs", "Recorded runs");
    runs->require_subcommand(1);
    auto limit = std::make_shared<std::size_t>(0);
    ctx.command(*runs, "list", "Runs, newest first",
                [&ctx, limit] { return cmd_runs_list(ctx, *limit); })
        ->add_option("--limit,-n", *limit, "At most N runs");
    auto show = std::make_shared<ShowFlags>();
    CLI::App* show_cmd = ctx.command(*runs, "show", "A run's summary, and its rows",
                                     [&ctx, show] { return cmd_runs_show(ctx, *show); });
    show_cmd->add_option("id", show->id, "Run id")->required();
    show_cmd->add_flag("--rows", show->rows, "List every row's output or error");
    show_cmd->add_flag("--failed", show->failed, "Only the failed rows (implies --rows)");
    show_cmd->add_flag("--raw", show->raw, "Include the raw provider responses");
}

} // namespace llmops::cli
