// llmops run | runs list | runs show: a prompt over a dataset against a provider (docs/runs.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/text.hpp"
#include "interrupt.hpp"
#include "option_rules.hpp"
#include "progress_line.hpp"
#include "run/prompt_run.hpp"

#include <fmt/format.h>
#include <memory>

namespace llmops::cli {

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
    cmd->add_option("--concurrency,-j", flags.concurrency, "Requests in flight, 1-1024 (default 8)")
        ->check(concurrency_range())
        ->option_text("N");
    cmd->add_flag("--no-cache", flags.no_cache, "Ask the provider even when an answer is cached");
    cmd->add_option("--max-retries", flags.max_retries,
                    "Retries per request, 0-100 (provider default 4)")
        ->check(max_retries_range())
        ->option_text("N");
    cmd->add_option(
           "--timeout", flags.timeout_s,
           "Time per request: seconds, or 500ms, 30s, 2m; 1ms to 24h (provider default 60)")
        ->transform(request_timeout_seconds())
        ->option_text("DURATION");
    cmd->add_option("--rpm", flags.rpm, "Requests per minute limit (0.001 to 1e9)")
        ->check(requests_per_minute())
        ->option_text("RATE");
    cmd->add_option("--tpm", flags.tpm, "Tokens per minute limit (1 to 1e12)")
        ->check(tokens_per_minute())
        ->option_text("RATE");
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
    // Before anything is sent or stored: a bad -o would otherwise waste the whole run.
    if (!flags.output.empty()) check_output_path(flags.output);

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
        try {
            OutputFile out(flags.output);
            run::export_run_rows(project.db(), info.id, out.stream());
            out.commit();
        } catch (const Error& e) {
            // Only what shows while writing (a full disk) gets here; the run itself is stored.
            throw Error(e.kind(), e.message(), e.where(),
                        fmt::format("run {} is stored ({}); 'llmops run --resume {} -o {}' "
                                    "writes the file again, sending only rows still missing",
                                    info.id, run::to_string(info.status), info.id, flags.output));
        }
    }
    print_run_summary(ctx, info, totals);
    if (result.status == run::RunStatus::Interrupted) {
        ctx.warn(
            fmt::format("interrupted: {} of {} rows recorded; finish with 'llmops run --resume {}'",
                        totals.recorded, info.row_count, info.id));
        return kInterruptedExitCode;
    }
    if (totals.failed > 0) {
        ctx.error(fmt::format("{} of {} rows failed; see 'llmops runs show {} --rows --failed'",
                              totals.failed, info.row_count, info.id));
        return exit_code_for(ErrorKind::Provider);
    }
    return 0;
}

int cmd_runs_list(CliContext& ctx, std::size_t limit) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto runs = run::list_runs(project.db(), "run", limit);
    if (ctx.json()) {
        ctx.print_json(run::runs_to_json(project.db(), runs));
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
        ctx.print_json(rows
                           ? run::run_with_rows_json(project, info, totals, flags.failed, flags.raw)
                           : run::run_to_json(info, totals));
        return 0;
    }
    print_run_summary(ctx, info, totals);
    ctx.out(fmt::format("provider {}\n", info.provider_config.dump()));
    if (!rows) return 0;
    std::string text = fmt::format("\n{:>6}  {:<16}{:>14}{:>10}  {}\n", "ROW", "ID",
                                   "TOKENS IN/OUT", "LATENCY", "OUTPUT");
    run::for_each_run_row_with_id(
        project, info, [&](const run::RunRow& row, const std::string& id) {
            if (flags.failed && row.ok()) return true;
            const auto& r = row.result;
            std::string shown = one_line(
                row.ok() ? r.text : "ERROR " + row.error_kind() + ": " + row.error_message(), 160);
            // This run measured no latency for a cached answer (nor for one never sent).
            bool measured = !r.cached && (row.ok() || r.latency_ms > 0);
            std::string latency =
                measured ? fmt::format("{:.0f} ms", r.latency_ms) : std::string("–");
            text += fmt::format(
                "{:>6}  {:<16}{:>14}{:>10}  {}\n", row.row_index, id.empty() ? "-" : id,
                fmt::format("{}/{}", r.prompt_tokens, r.completion_tokens), latency, shown);
            if (flags.raw && !r.raw.empty()) text += fmt::format("        raw: {}\n", r.raw);
            return true;
        });
    ctx.out(text);
    return 0;
}

} // namespace

void register_run_commands(CLI::App& app, CliContext& ctx) {
    auto run_flags = std::make_shared<RunFlags>();
    CLI::App* run_cmd =
        ctx.command(app, "run", [&ctx, run_flags] { return cmd_run(ctx, *run_flags); });
    run_cmd->add_option("prompt", run_flags->prompt, "Prompt reference (NAME, NAME@3, NAME@label)");
    run_cmd->add_option("--data,-d", run_flags->data, "Dataset reference");
    run_cmd->add_option("--provider,-p", run_flags->provider,
                        "Provider id from llmops.yaml, or inline (openai:MODEL, exec:CMD, echo)");
    run_cmd->add_option("--limit,-n", run_flags->limit, "Only the first N rows (N >= 1)")
        ->check(whole_number(1))
        ->option_text("N");
    run_cmd->add_option("--var", run_flags->vars, "NAME=VALUE for every row (repeatable)");
    run_cmd->add_option("--output,-o", run_flags->output, "Also write the rows as JSONL to FILE");
    run_cmd->add_option("--resume", run_flags->resume, "Finish the missing rows of run ID")
        ->check(whole_number(1))
        ->option_text("ID");
    run_cmd->add_flag("--retry-failed", run_flags->retry_failed,
                      "With --resume: redo failed rows too");
    run_cmd->add_flag("--force", run_flags->force,
                      "With --resume: resume a run still marked running (its process was killed)");
    add_engine_flags(run_cmd, run_flags->engine);

    CLI::App* runs = ctx.group(app, "runs");
    auto limit = std::make_shared<std::size_t>(0);
    ctx.command(*runs, "list", [&ctx, limit] { return cmd_runs_list(ctx, *limit); })
        ->add_option("--limit,-n", *limit, "At most N runs (N >= 1; default: all)")
        ->check(whole_number(1))
        ->option_text("N");
    auto show = std::make_shared<ShowFlags>();
    CLI::App* show_cmd =
        ctx.command(*runs, "show", [&ctx, show] { return cmd_runs_show(ctx, *show); });
    show_cmd->add_option("id", show->id, "Run id")->required();
    show_cmd->add_flag("--rows", show->rows, "List every row's output or error");
    show_cmd->add_flag("--failed", show->failed, "Only the failed rows (implies --rows)");
    show_cmd->add_flag("--raw", show->raw, "Include the raw provider responses");
}

} // namespace llmops::cli
