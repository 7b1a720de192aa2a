#pragma once
// The JUnit XML report of an eval run (`eval run --junit FILE`), in the dialect GitHub test
// reporter actions, GitLab and Jenkins read: <testsuites> holding one <testsuite> per cell
// (one <testcase> per case) and, when the spec has thresholds, a "thresholds" suite with one
// <testcase> per threshold. Reference: docs/reports.md.
#include <ostream>
#include <string>
#include <string_view>

#include "eval/eval_result.hpp"

namespace llmops::report {

// Writes the report, reading each cell's cases from `cases` (twice: counted, then written), so
// memory does not grow with the cases.
void write_junit_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                        std::ostream& out);
// The same with the cases held in each cell's case_outcomes.
void write_junit_report(const eval::EvalRunSummary& summary, std::ostream& out);

// Text made safe for XML 1.0: invalid UTF-8 and the characters XML 1.0 forbids (control
// characters other than tab, LF and CR; U+FFFE, U+FFFF) become U+FFFD; & < > " ' are escaped.
// Element text keeps tab and LF as they are; attribute values (`attribute`) also escape tab,
// LF and CR as character references so that parsers do not normalise them to spaces.
std::string xml_escape(std::string_view text, bool attribute = false);

} // namespace llmops::report
