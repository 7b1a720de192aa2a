#pragma once
// How the case-level reports (JUnit, the HTML case table, Markdown's failed cases) classify
// one case in one cell and say what went wrong with it.
#include <string>
#include <string_view>
#include <vector>

#include "eval/eval_result.hpp"

namespace llmops::report {

// Error: no answer (provider or render error) or a metric that could not be computed; a JUnit
// "error" (the check could not run) rather than a "failure" (it ran and said no). Note that
// CellSummary counts a metric error as `failed`; only no-answer cases are its `errors`.
// Failed: answered, every metric computed, at least one pass/fail metric failed.
enum class CaseVerdict { Passed, Failed, Error };

CaseVerdict case_verdict(const eval::CaseOutcome& outcome);

// "pass", "fail", "error": the words the HTML filter and the docs use.
std::string_view verdict_name(CaseVerdict verdict);

// What went wrong, most serious first, one entry per problem: the provider or render error
// ("error: HTTP 500 …"), each metric that could not be computed ("judge: error: …"), then
// each failed metric with its score and reason ("rouge_l failed (0.412): too short"). Empty
// for a passed case. Texts are raw: each report repairs, clips and escapes them.
std::vector<std::string> case_problems(const eval::CaseOutcome& outcome);

} // namespace llmops::report
