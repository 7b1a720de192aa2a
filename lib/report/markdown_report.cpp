#include "report/markdown_report.hpp"

#include "report/case_verdict.hpp"
#include "report/report_format.hpp"
#include "report/report_text.hpp"

#include <fmt/format.h>

namespace llmops::report {

namespace {

std::string run_title(const eval::EvalRunSummary& summary) {
    return fmt::format("llmops eval run {}", summary.id);
}

std::size_t unmet_thresholds(const eval::EvalRunSummary& summary) {
    std::size_t unmet = 0;
    for (const auto& t : summary.thresholds)
        if (!t.met) ++unmet;
    return unmet;
}

void write_heading(const eval::EvalRunSummary& summary, const MarkdownOptions& options,
                   std::ostream& out) {
    const std::size_t unmet = unmet_thresholds(summary);
    if (summary.passed)
        out << fmt::format("## ✅ {} passed", run_title(summary));
    else if (unmet > 0)
        out << fmt::format("## ❌ {} failed: {} of {} thresholds not met", run_title(summary), unmet,
                           summary.thresholds.size());
    else
        out << fmt::format("## ❌ {} failed", run_title(summary));
    out << "\n\n";
    if (!summary.description.empty())
        out << markdown_cell_text(summary.description, options.max_text_bytes) << "\n\n";
    std::string facts;
    const auto fact = [&](std::string_view name, std::string_view value) {
        if (value.empty()) return;
        if (!facts.empty()) facts += " · ";
        facts += fmt::format("**{}** {}", name, markdown_cell_text(value, options.max_text_bytes));
    };
    fact("spec", summary.spec_source);
    fact("data", summary.data_source);
    fact("cases", fmt::format("{}", summary.case_count));
    fact("cells", fmt::format("{}", summary.cells.size()));
    fact("wall time", fmt::format("{:.1f} s", summary.wall_s));
    fact("status", summary.status);
    out << facts << "\n\n";
    if (summary.status == "interrupted")
        out << "> **Warning:** the run was interrupted; the figures cover the cases that "
               "finished.\n\n";
}

void write_thresholds(const eval::EvalRunSummary& summary, const MarkdownOptions& options,
                      std::ostream& out) {
    if (summary.thresholds.empty()) return;
    out << "### Thresholds\n\n| | cell | requirement | actual |\n| --- | --- | --- | ---: |\n";
    for (const auto& t : summary.thresholds)
        out << fmt::format("| {} | {} | {} | {} |\n", t.met ? "✅" : "❌",
                           markdown_cell_text(t.cell, options.max_text_bytes),
                           markdown_cell_text(format_threshold(t), options.max_text_bytes),
                           format_metric_value(t.actual));
    out << "\n";
}

void write_cells(const eval::EvalRunSummary& summary, const MarkdownOptions& options,
                 std::ostream& out) {
    out << "### Cells\n\n"
           "| cell | cases | pass rate | passed | failed | errors | prompt tokens | "
           "completion tokens | cost | latency p50 | latency p95 |\n"
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& cell : summary.cells)
        out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                           markdown_cell_text(cell.label, options.max_text_bytes), cell.cases,
                           format_rate(cell.pass_rate), cell.passed, cell.failed, cell.errors,
                           cell.prompt_tokens, cell.completion_tokens, format_cost(cell.cost_usd),
                           format_latency_ms(cell.latency_p50_ms),
                           format_latency_ms(cell.latency_p95_ms));
    out << "\n";
}

void write_metrics(const eval::EvalRunSummary& summary, const MarkdownOptions& options,
                   std::ostream& out) {
    bool any = false;
    for (const auto& cell : summary.cells)
        any = any || !cell.metrics.empty();
    if (!any) return;
    out << "### Metrics\n\n"
           "| cell | metric | mean | pass rate | p50 | p95 | min | max | scored | errors |\n"
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& cell : summary.cells)
        for (const auto& m : cell.metrics)
            out << fmt::format("| {} | {}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                               markdown_cell_text(cell.label, options.max_text_bytes),
                               markdown_cell_text(metric_title(m), options.max_text_bytes),
                               m.lower_is_better ? " (lower is better)" : "",
                               m.scored ? format_metric_value(m.mean) : "–",
                               m.pass_rate ? format_rate(*m.pass_rate) : "–",
                               m.scored ? format_metric_value(m.p50) : "–",
                               m.scored ? format_metric_value(m.p95) : "–",
                               m.scored ? format_metric_value(m.min) : "–",
                               m.scored ? format_metric_value(m.max) : "–", m.scored, m.errors);
    out << "\n";
}

void write_baseline(const eval::EvalRunSummary& summary, const MarkdownOptions& options,
                    std::ostream& out) {
    if (summary.versus_baseline.empty()) return;
    out << "### Against the baseline\n\n"
           "Paired tests on the same cases (McNemar for pass/fail, Wilcoxon signed-rank for "
           "scores; 95% bootstrap interval of the difference).\n\n"
           "| cell | baseline | metric | baseline | cell | difference | 95% CI | p | verdict |\n"
           "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n";
    for (const auto& c : summary.versus_baseline)
        for (const auto& m : c.metrics)
            out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                               markdown_cell_text(c.cell_b, options.max_text_bytes),
                               markdown_cell_text(c.cell_a, options.max_text_bytes),
                               markdown_cell_text(m.metric, options.max_text_bytes),
                               m.pairs ? format_metric_value(m.mean_a) : "–",
                               m.pairs ? format_metric_value(m.mean_b) : "–",
                               m.pairs ? format_difference(m.diff) : "–", format_interval(m),
                               m.pairs ? format_p_value(m.p_value) : "–",
                               m.pairs ? comparison_verdict(m) : "no pairs");
    out << "\n";
}

// One pass over the cell's cases: the first few failures are kept, the rest only counted.
void write_failed_cases(const eval::CellSummary& cell, const eval::CellCases& cases,
                        const MarkdownOptions& options, std::ostream& out) {
    std::size_t not_passed = 0;
    std::string rows;
    cases(cell, [&](const eval::CaseOutcome& c) {
        const CaseVerdict verdict = case_verdict(c);
        if (verdict == CaseVerdict::Passed) return;
        if (not_passed++ >= options.max_failed_cases) return;
        std::string reasons;
        for (const auto& problem : case_problems(c)) {
            if (!reasons.empty()) reasons += "<br>";
            reasons += markdown_cell_text(problem, options.max_text_bytes);
        }
        const std::string id = c.case_id.empty() ? fmt::format("case {}", c.case_index) : c.case_id;
        rows += fmt::format("| {} | {} | {} |\n", markdown_cell_text(id, options.max_text_bytes),
                            verdict_name(verdict), reasons);
    });
    if (not_passed == 0) return;
    const std::size_t shown = std::min(not_passed, options.max_failed_cases);
    out << fmt::format("#### Failed cases: {} ({} of {} shown)\n\n",
                       markdown_cell_text(cell.label, options.max_text_bytes), shown, not_passed);
    if (shown == 0) return;
    out << "| case | verdict | reasons |\n| --- | --- | --- |\n" << rows << "\n";
}

} // namespace

std::string markdown_cell_text(std::string_view text, std::size_t max_bytes) {
    const std::string clipped = clip_text(text, max_bytes);
    std::string out;
    out.reserve(clipped.size() + 8);
    for (std::size_t i = 0; i < clipped.size(); ++i) {
        const char c = clipped[i];
        switch (c) {
        case '|':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '<':
        case '>':
        case '~':
        case '\\':
        case '#':
            out.push_back('\\');
            out.push_back(c);
            break;
        case '&':
            out += "&amp;";
            break;
        case '\r':
            if (i + 1 < clipped.size() && clipped[i + 1] == '\n') ++i; // CRLF is one break
            out += "<br>";
            break;
        case '\n':
            out += "<br>";
            break;
        case '\t':
            out.push_back(' ');
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == '\x7F')
                out += "\xEF\xBF\xBD"; // a control character would break the line or the table
            else
                out.push_back(c);
        }
    }
    return out;
}

void write_markdown_report(const eval::EvalRunSummary& summary, std::ostream& out,
                           const MarkdownOptions& options) {
    write_markdown_report(summary, eval::loaded_cases(), out, options);
}

void write_markdown_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                           std::ostream& out, const MarkdownOptions& options) {
    write_heading(summary, options, out);
    write_thresholds(summary, options, out);
    write_cells(summary, options, out);
    write_metrics(summary, options, out);
    write_baseline(summary, options, out);
    for (const auto& cell : summary.cells)
        write_failed_cases(cell, cases, options, out);
}

} // namespace llmops::report
