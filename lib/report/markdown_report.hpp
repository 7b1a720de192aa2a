#pragma once
// The Markdown report of an eval run (`eval run --markdown FILE`), written for a CI step
// summary (GitHub's $GITHUB_STEP_SUMMARY, a merge request comment): pass/fail heading, the
// threshold outcomes, one table row per cell, per-metric statistics, each cell against its
// baseline (when the spec names one), and the first failed cases of each cell with their
// reasons. Reference: docs/reports.md.
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "eval/eval_result.hpp"

namespace llmops::report {

struct MarkdownOptions {
    // Failed or errored cases listed per cell (GitHub caps a step summary at 1 MiB).
    std::size_t max_failed_cases = 10;
    // Each reason, case id or label is cut to this many bytes.
    std::size_t max_text_bytes = 300;
};

// Reads each cell's cases once from `cases`, keeping only the failures it lists.
void write_markdown_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                           std::ostream& out, const MarkdownOptions& options = {});
// The same with the cases held in each cell's case_outcomes.
void write_markdown_report(const eval::EvalRunSummary& summary, std::ostream& out,
                           const MarkdownOptions& options = {});

// Text made safe inside a GitHub-flavoured Markdown table cell: repaired to UTF-8 and cut to
// `max_bytes`; Markdown punctuation (| ` * _ [ ] < > ~ # \) backslash-escaped, & as &amp;,
// line breaks as <br>, other control characters as U+FFFD.
std::string markdown_cell_text(std::string_view text, std::size_t max_bytes);

} // namespace llmops::report
