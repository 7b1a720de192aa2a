#include "report/deploy_report.hpp"

#include <fmt/format.h>

#include "report/junit_report.hpp"
#include "report/markdown_report.hpp"

namespace llmops::report {

namespace {

constexpr std::size_t kMaxCellBytes = 2000;

std::string evidence_text(const deploy::GateResult& g) {
    std::string text;
    if (g.baseline_eval_id)
        text += fmt::format("live: eval {}{}; ", *g.baseline_eval_id,
                            g.baseline_reused ? " (reused)" : "");
    if (g.eval_id)
        text += fmt::format("candidate: eval {}{}", *g.eval_id, g.reused ? " (reused)" : "");
    return text.empty() ? "-" : text;
}

} // namespace

void write_deploy_junit(const deploy::DeployResult& r, std::ostream& out) {
    std::size_t failures = 0;
    for (const auto& g : r.gates.results)
        failures += g.passed ? 0 : 1;
    std::string suite = fmt::format("deploy {} {}", r.env, r.candidate.route);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << fmt::format("<testsuites name=\"llmops deploy\" tests=\"{}\" failures=\"{}\">\n",
                       r.gates.results.size(), failures);
    out << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n",
                       xml_escape(suite, true), r.gates.results.size(), failures);
    for (const auto& g : r.gates.results) {
        out << fmt::format("    <testcase classname=\"{}\" name=\"{}\">", xml_escape(suite, true),
                           xml_escape(g.name, true));
        if (!g.passed)
            out << fmt::format("<failure message=\"{}\">{}</failure>", xml_escape(g.detail, true),
                               xml_escape(g.detail));
        out << fmt::format("<system-out>{}</system-out></testcase>\n",
                           xml_escape(evidence_text(g)));
    }
    out << "  </testsuite>\n</testsuites>\n";
}

void write_deploy_markdown(const deploy::DeployResult& r, std::ostream& out) {
    const char* verdict = r.outcome == "passed"    ? "passed"
                          : r.outcome == "forced"  ? "forced past failing gates"
                          : r.outcome == "dry-run" ? (r.gates.passed ? "dry run: would pass"
                                                                     : "dry run: would be blocked")
                                                   : "blocked";
    out << fmt::format("## Deploy to {}: {}\n\n", markdown_cell_text(r.env, kMaxCellBytes),
                       verdict);
    out << fmt::format("**Candidate** {} × {} on route `{}` (release hash `{}`)\n\n",
                       markdown_cell_text(r.candidate.prompt.ref(), kMaxCellBytes),
                       markdown_cell_text(r.candidate.provider.id, kMaxCellBytes),
                       markdown_cell_text(r.candidate.route, kMaxCellBytes),
                       r.candidate.hash.substr(0, 12));
    if (r.live_before)
        out << fmt::format("**Live now** release {}: {} × {}\n\n", r.live_before->number,
                           markdown_cell_text(r.live_before->prompt_ref, kMaxCellBytes),
                           markdown_cell_text(r.live_before->provider_id, kMaxCellBytes));
    out << "| gate | result | detail | evidence |\n| --- | --- | --- | --- |\n";
    for (const auto& g : r.gates.results)
        out << fmt::format("| {} | {} | {} | {} |\n", markdown_cell_text(g.name, kMaxCellBytes),
                           g.passed ? "pass" : "**FAIL**",
                           markdown_cell_text(g.detail, kMaxCellBytes),
                           markdown_cell_text(evidence_text(g), kMaxCellBytes));
    if (r.release)
        out << fmt::format("\nRelease {} is live{}.\n", r.release->number,
                           r.canary_percent ? fmt::format(" as a {:g}% canary", *r.canary_percent)
                                            : std::string());
}

} // namespace llmops::report
