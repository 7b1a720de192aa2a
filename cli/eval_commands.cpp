// llmops eval run | list | show | compare | report (docs/eval.md).
#include "cli_context.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/text.hpp"
#include "eval/eval_case_outcomes.hpp"
#include "eval/eval_compare.hpp"
#include "eval/eval_runner.hpp"
#include "eval/eval_store.hpp"
#include "eval/eval_summary.hpp"
#include "interrupt.hpp"
#include "option_rules.hpp"
#include "progress_line.hpp"
#include "report/eval_html_report.hpp"
#include "report/junit_report.hpp"
#include "report/markdown_report.hpp"
#include "report/report_format.hpp"

#include <fmt/format.h>
#include <memory>
#include <optional>

namespace llmops::cli {

namespace {

struct ReportFiles {
    std::string junit;
    std::string markdown;
    std::string html;
    bool any() const { return !junit.empty() || !markdown.empty() || !html.empty(); }
};

void add_report_flags(CLI::App* cmd, ReportFiles& files) {
    cmd->add_option("--junit", files.junit, "Write a JUnit XML report to FILE");
    cmd->add_option("--markdown", files.markdown, "Write a Markdown summary to FILE");
    cmd->add_option("--html", files.html, "Write a self-contained HTML report to FILE");
}

// Before anything is sent or stored (docs/reports.md): a report that cannot be written would
// otherwise waste the whole eval.
void check_report_paths(const ReportFiles& files) {
    for (const std::string* path : {&files.junit, &files.markdown, &files.html})
        if (!path->empty()) check_output_path(*path);
}

template <typename Writer>
void write_report(std::string_view flag, const std::string& path, std::int64_t eval_id,
                  Writer&& writer) {
    try {
        OutputFile out(path);
        writer(out.stream());
        out.commit();
    } catch (const Error& e) {
        // Only what shows while writing (a full disk) gets here; the eval itself is stored.
        throw Error(e.kind(), e.message(), e.where(),
                    fmt::format("eval {} is stored; 'llmops eval report {} {} {}' writes the "
                                "report again",
                                eval_id, eval_id, flag, path));
    }
}

// The reports read the cases from the store as they write them: memory stays flat.
void write_reports(store::Project& project, const eval::EvalRunSummary& summary,
                   const ReportFiles& files) {
    if (!files.any()) return;
    // Ctrl-C stops a long report too (exit 130; the eval run itself is already stored).
    const eval::CellCases cases = eval::stored_cases(project.db(), summary.id, interrupt_flag());
    if (!files.junit.empty())
        write_report("--junit", files.junit, summary.id,
                     [&](std::ostream& out) { report::write_junit_report(summary, cases, out); });
    if (!files.markdown.empty())
        write_report("--markdown", files.markdown, summary.id, [&](std::ostream& out) {
            report::write_markdown_report(summary, cases, out);
        });
    if (!files.html.empty())
        write_report("--html", files.html, summary.id, [&](std::ostream& out) {
            report::write_eval_html_report(summary, cases, out);
        });
}

std::string comparison_rows(const eval::CellComparison& cell) {
    std::string text = fmt::format("  {:<20}{:>9}{:>9}{:>10}  {:<22}{:>9}  {:<16}{}\n", "METRIC",
                                   "A", "B", "B-A", "95% CI", "P", "TEST", "");
    for (const auto& m : cell.metrics) {
        std::string verdict = m.regression ? "REGRESSION" : m.significant ? "improved" : "";
        text += fmt::format(
            "  {:<20}{:>9.4f}{:>9.4f}{:>+10.4f}  [{:+.4f}, {:+.4f}]  {:>9.4g}  {:<16}{}\n",
            m.metric, m.mean_a, m.mean_b, m.diff, m.ci.lower, m.ci.upper, m.p_value, m.test,
            verdict);
    }
    for (const auto& m : cell.metrics) {
        if (m.regressed.empty()) continue;
        std::string ids;
        for (std::size_t i = 0; i < m.regressed.size() && i < 20; ++i)
            ids += (i ? ", " : "") + m.regressed[i];
        if (m.regressed.size() > 20) ids += fmt::format(" … ({} in all)", m.regressed.size());
        text += fmt::format("  worse in B on {}: {}\n", m.metric, ids);
    }
    return text;
}

std::string summary_text(const eval::EvalRunSummary& s) {
    std::size_t answered = 0, cases = 0, cached = 0;
    for (const auto& c : s.cells) {
        cases += c.cases;
        cached += c.cached;
    }
    std::string from_cache =
        cached > 0 ? fmt::format("; {} of {} answers from cache", cached, cases) : "";
    std::string text =
        fmt::format("eval {}  {}  {}{}{}  ({} cases × {} cell{}, {:.1f} s{})\n", s.id, s.status,
                    s.data_source, s.description.empty() ? "" : "  ", s.description, s.case_count,
                    s.cells.size(), s.cells.size() == 1 ? "" : "s", s.wall_s, from_cache);
    for (const auto& c : s.cells) {
        answered += c.cases - c.errors;
        text += fmt::format("\n{}\n  pass {}/{} ({})  failed {}  errors {}  tokens {} in / {} out  "
                            "cost {}  latency p50 {}  p95 {}\n",
                            c.label, c.passed, c.cases, report::format_rate(c.pass_rate), c.failed,
                            c.errors, c.prompt_tokens, c.completion_tokens,
                            report::format_cost(c.cost_usd),
                            report::format_latency_ms(c.latency_p50_ms),
                            report::format_latency_ms(c.latency_p95_ms));
        if (c.metrics.empty()) continue;
        text += fmt::format("  {:<24}{:>10}{:>10}{:>10}{:>8}\n", "METRIC", "MEAN", "P50", "PASS",
                            "ERRORS");
        for (const auto& m : c.metrics)
            text += fmt::format("  {:<24}{:>10}{:>10}{:>10}{:>8}\n", report::metric_title(m),
                                m.scored ? report::format_metric_value(m.mean) : "-",
                                m.scored ? report::format_metric_value(m.p50) : "-",
                                m.pass_rate ? report::format_rate(*m.pass_rate) : "-", m.errors);
    }
    for (const auto& c : s.versus_baseline)
        text += fmt::format("\n{} against the baseline {} (A: baseline, B: cell; {} pairs)\n",
                            c.cell_b, c.cell_a, c.paired) +
                comparison_rows(c);
    if (!s.thresholds.empty()) {
        text += "\nthresholds\n";
        for (const auto& t : s.thresholds)
            text += fmt::format("  {} {}  {}\n", t.met ? "ok  " : "FAIL", t.cell,
                                report::format_threshold_result(t));
    }
    text += fmt::format("\n{}\n", s.passed ? "PASSED" : "FAILED");
    return text;
}

int exit_for(const CliContext& ctx, const eval::EvalRunSummary& s) {
    if (s.status == "interrupted") {
        ctx.warn(fmt::format("interrupted; finish with 'llmops eval run --resume {}'", s.id));
        return kInterruptedExitCode;
    }
    if (s.passed) return 0;
    for (const auto& t : s.thresholds)
        if (!t.met)
            ctx.error(fmt::format("threshold not met: {}: {}", t.cell,
                                  report::format_threshold_result(t)));
    return exit_code_for(ErrorKind::CheckFailed);
}

struct RunFlags {
    std::string spec;
    std::optional<std::string> resume;
    std::optional<long> limit;
    std::optional<std::size_t> concurrency;
    bool no_cache = false;
    bool force = false;
    ReportFiles reports;
};

int cmd_eval_run(CliContext& ctx, const RunFlags& flags) {
    if (flags.spec.empty() == !flags.resume)
        throw_usage("eval run needs SPEC.yaml, or --resume RUN (not both)");
    if (flags.resume && flags.limit) throw_usage("--limit does not apply to --resume");
    if (flags.force && !flags.resume) throw_usage("--force only applies with --resume");
    check_report_paths(flags.reports);
    std::optional<eval::EvalSpec> spec;
    if (!flags.resume) spec = eval::load_eval_spec(flags.spec); // bad spec: before the store opens

    InterruptGuard interrupt;
    store::Project project = ctx.open_project(store::StoreAccess::Write);
    eval::EvalRunOptions options;
    options.limit = flags.limit;
    options.concurrency = flags.concurrency;
    options.no_cache = flags.no_cache;
    options.force = flags.force;
    options.cancel = interrupt.flag();
    if (ctx.options.verbose) options.log = [&ctx](std::string_view line) { ctx.verbose(line); };
    std::optional<eval::EvalRunner> runner;
    if (flags.resume)
        runner.emplace(eval::EvalRunner::resume(project, *flags.resume, options));
    else
        runner.emplace(eval::EvalRunner::start(project, std::move(*spec), options));
    ctx.verbose(fmt::format("eval {}: {} cases × {} cell{}", runner->eval_id(),
                            runner->case_count(), runner->cell_count(),
                            runner->cell_count() == 1 ? "" : "s"));

    eval::EvalRunSummary summary;
    {
        ProgressLine progress(ctx.stderr_is_tty() && !ctx.options.quiet, "eval", [&] {
            auto p = runner->progress();
            return ProgressCounts{p.done, p.total, p.errors, p.cached};
        });
        summary = runner->execute();
    }
    write_reports(project, summary, flags.reports);
    if (ctx.json())
        ctx.print_json(eval::summary_to_json(summary));
    else
        ctx.out(summary_text(summary));
    return exit_for(ctx, summary);
}

int cmd_eval_list(CliContext& ctx, std::size_t limit) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto runs = eval::list_eval_runs(project.db(), limit);
    if (ctx.json()) {
        ctx.print_json(eval::eval_runs_to_json(project.db(), runs));
        return 0;
    }
    const char* row_format = "{:>5}  {:<12}{:<8}{:>7}  {:<18}  {:<22}  {:<22}  {:<20}  {}\n";
    std::string text = fmt::format(fmt::runtime(row_format), "ID", "STATUS", "RESULT", "CASES",
                                   "DATA", "PROMPTS", "PROVIDERS", "CREATED", "DESCRIPTION");
    for (const auto& r : runs) {
        auto used = eval::load_participants(project.db(), r.id);
        text += fmt::format(fmt::runtime(row_format), r.id, r.status,
                            r.passed ? (*r.passed ? "passed" : "failed") : "-", r.case_count,
                            r.data_source, fmt::format("{}", fmt::join(used.prompts, ",")),
                            fmt::format("{}", fmt::join(used.providers, ",")), r.created_at,
                            r.description);
    }
    ctx.out(text);
    return 0;
}

struct ShowFlags {
    std::string run;
    bool cases = false;
    bool failed = false;
};

int cmd_eval_show(CliContext& ctx, const ShowFlags& flags) {
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto header = eval::load_eval_header(project.db(), flags.run);
    bool cases = flags.cases || flags.failed;
    auto summary = eval::load_summary(project.db(), header.id,
                                      {.with_cases = cases, .failed_only = flags.failed});
    if (ctx.json()) {
        ctx.print_json(eval::summary_to_json(summary));
        return 0;
    }
    std::string text = summary_text(summary);
    if (cases) {
        for (const auto& c : summary.cells) {
            text += fmt::format("\n{} — {} case{}\n", c.label, c.case_outcomes.size(),
                                c.case_outcomes.size() == 1 ? "" : "s");
            for (const auto& o : c.case_outcomes) {
                text += fmt::format("  {} {}  {}\n", o.passed ? "pass" : "FAIL", o.case_id,
                                    o.error.empty() ? one_line(o.output, 100)
                                                    : "error: " + one_line(o.error, 100));
                for (const auto& m : o.metrics) {
                    if (m.error.empty() && m.passed.value_or(true)) continue;
                    text += fmt::format(
                        "      {}: {}\n", m.metric,
                        one_line(m.error.empty() ? m.reason : "error: " + m.error, 120));
                }
            }
        }
    }
    ctx.out(text);
    return 0;
}

struct CompareFlags {
    std::string run_a;
    std::string run_b;
    std::vector<std::string> cells; // --cells A B: two cells of run_a
    std::string metric;
    double alpha = 0.05;
    bool fail_on_regression = false;
};

int cmd_eval_compare(CliContext& ctx, const CompareFlags& flags) {
    const bool in_run = !flags.cells.empty();
    if (in_run && flags.cells.size() != 2)
        throw_usage("--cells takes two cells: the baseline A and the candidate B",
                    "llmops eval compare RUN --cells 'qa@1 x local' 'qa@2 x local'");
    if (in_run == !flags.run_b.empty())
        throw_usage("eval compare needs RUN_A RUN_B, or RUN --cells A B (not both)");
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    eval::CompareOptions options;
    options.metric = flags.metric;
    options.alpha = flags.alpha;
    auto comparison =
        in_run ? eval::compare_cells_of_run(project.db(), flags.run_a, flags.cells[0],
                                            flags.cells[1], options)
               : eval::compare_eval_runs(project.db(), flags.run_a, flags.run_b, options);
    if (ctx.json()) {
        ctx.print_json(eval::comparison_to_json(comparison));
    } else {
        std::string text = in_run
                               ? fmt::format("eval {}: {} (A) vs {} (B), alpha {}\n",
                                             comparison.run_a, comparison.cells.front().cell_a,
                                             comparison.cells.front().cell_b, comparison.alpha)
                               : fmt::format("eval {} (A) vs eval {} (B), alpha {}\n",
                                             comparison.run_a, comparison.run_b, comparison.alpha);
        for (const auto& cell : comparison.cells) {
            if (in_run)
                text += fmt::format("\n{} pairs by case\n", cell.paired);
            else
                text +=
                    fmt::format("\n{}{}  ({} pairs by {}; {} only in A, {} only in B)\n",
                                cell.cell_a, cell.cell_a == cell.cell_b ? "" : " vs " + cell.cell_b,
                                cell.paired, cell.paired_by, cell.only_a, cell.only_b);
            text += comparison_rows(cell);
        }
        for (const auto& label : comparison.unmatched_cells)
            text += fmt::format("\nno partner for cell {}\n", label);
        ctx.out(text);
    }
    if (flags.fail_on_regression && comparison.regression) {
        ctx.error("B is significantly worse than A");
        return exit_code_for(ErrorKind::CheckFailed);
    }
    return 0;
}

int cmd_eval_report(CliContext& ctx, const std::string& run, const ReportFiles& files) {
    if (!files.any()) throw_usage("eval report needs --junit, --markdown or --html");
    check_report_paths(files);
    store::Project project = ctx.open_project(store::StoreAccess::Read);
    auto header = eval::load_eval_header(project.db(), run);
    write_reports(project, eval::load_summary(project.db(), header.id), files);
    return 0;
}

} // namespace

void register_eval_commands(CLI::App& app, CliContext& ctx) {
    CLI::App* eval_cmd = ctx.group(app, "eval");

    auto run = std::make_shared<RunFlags>();
    CLI::App* run_cmd =
        ctx.command(*eval_cmd, "run", [&ctx, run] { return cmd_eval_run(ctx, *run); });
    run_cmd->add_option("spec", run->spec, "The eval spec (YAML)");
    run_cmd->add_option("--resume", run->resume, "Finish an interrupted eval run");
    run_cmd->add_flag("--force", run->force,
                      "With --resume: resume an eval still marked running (its process was "
                      "killed)");
    run_cmd->add_option("--limit,-n", run->limit, "Only the first N cases (N >= 1)")
        ->check(whole_number(1))
        ->option_text("N");
    run_cmd
        ->add_option("--concurrency,-j", run->concurrency,
                     "Requests in flight, 1-1024 (default: the spec's, else 8)")
        ->check(concurrency_range())
        ->option_text("N");
    run_cmd->add_flag("--no-cache", run->no_cache,
                      "Ask the providers even when an answer is cached");
    add_report_flags(run_cmd, run->reports);

    auto limit = std::make_shared<std::size_t>(0);
    ctx.command(*eval_cmd, "list", [&ctx, limit] { return cmd_eval_list(ctx, *limit); })
        ->add_option("--limit,-n", *limit, "At most N runs (N >= 1; default: all)")
        ->check(whole_number(1))
        ->option_text("N");

    auto show = std::make_shared<ShowFlags>();
    CLI::App* show_cmd =
        ctx.command(*eval_cmd, "show", [&ctx, show] { return cmd_eval_show(ctx, *show); });
    show_cmd->add_option("run", show->run, "Eval run id, or latest")->required();
    show_cmd->add_flag("--cases", show->cases, "List every case with its failing metrics");
    show_cmd->add_flag("--failed", show->failed,
                       "Only the cases that did not pass (implies --cases)");

    auto compare = std::make_shared<CompareFlags>();
    CLI::App* compare_cmd = ctx.command(
        *eval_cmd, "compare", [&ctx, compare] { return cmd_eval_compare(ctx, *compare); });
    compare_cmd->add_option("run_a", compare->run_a, "Baseline eval run (or the run, with --cells)")
        ->required();
    compare_cmd->add_option("run_b", compare->run_b, "Candidate eval run");
    compare_cmd
        ->add_option("--cells", compare->cells,
                     "Two cells of RUN_A: baseline and candidate (label as in eval show, "
                     "'PROMPT x PROVIDER', or a prompt or provider alone)")
        ->expected(2);
    compare_cmd->add_option("--metric", compare->metric, "Only this metric");
    compare_cmd
        ->add_option("--alpha", compare->alpha,
                     "Significance level, greater than 0 and at most 0.5 (default 0.05)")
        ->check(real_number({.min = 0, .max = 0.5, .above_min = true, .unit = ""}))
        ->option_text("P");
    compare_cmd->add_flag("--fail-on-regression", compare->fail_on_regression,
                          "Exit 1 when B is significantly worse on any metric");

    auto report_run = std::make_shared<std::string>();
    auto report_files = std::make_shared<ReportFiles>();
    CLI::App* report_cmd = ctx.command(*eval_cmd, "report", [&ctx, report_run, report_files] {
        return cmd_eval_report(ctx, *report_run, *report_files);
    });
    report_cmd->add_option("run", *report_run, "Eval run id, or latest")->required();
    add_report_flags(report_cmd, *report_files);
}

} // namespace llmops::cli
