#pragma once
// The HTML report of an eval run (`eval run --html FILE`): one self-contained file (inline CSS
// and JavaScript, no external resources) with the threshold outcomes, a summary per cell, each
// cell against its baseline (when the spec names one) and a case table with a text filter, verdict
// and cell filters and sortable columns. The cases travel as one JSON array inside the page and are
// rendered a page of rows at a time, so a run of 10,000 cases opens as fast as one of 100.
// Reference: docs/reports.md.
#include <cstddef>
#include <ostream>
#include <string>

#include "eval/eval_result.hpp"

namespace llmops::report {

struct EvalHtmlOptions {
    // Each output, error and reason embedded for the case table is cut to this many bytes.
    std::size_t max_text_bytes = 4000;
};

// Reads each cell's cases from `cases` twice (score histograms, then the case table) and
// writes the table's data one case at a time, so memory does not grow with the cases.
void write_eval_html_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                            std::ostream& out, const EvalHtmlOptions& options = {});
// The same with the cases held in each cell's case_outcomes.
void write_eval_html_report(const eval::EvalRunSummary& summary, std::ostream& out,
                            const EvalHtmlOptions& options = {});

// JSON text made safe inside an HTML <script> element: '<', '>' and '&' become \u003c,
// \u003e, \u0026 (so no "</script>" or "<!--" can end or change the element) and U+2028,
// U+2029 become \u2028, \u2029 (line terminators to older JavaScript parsers). The JSON value
// is unchanged.
std::string script_safe_json(const std::string& json_text);

} // namespace llmops::report
