#include "report/case_verdict.hpp"

#include "report/report_format.hpp"

#include <algorithm>

namespace llmops::report {

CaseVerdict case_verdict(const eval::CaseOutcome& outcome) {
    if (!outcome.error.empty()) return CaseVerdict::Error;
    const bool metric_error = std::any_of(outcome.metrics.begin(), outcome.metrics.end(),
                                          [](const auto& m) { return !m.error.empty(); });
    if (metric_error) return CaseVerdict::Error;
    // `passed` is the runner's verdict; a failed case without a failed metric still fails.
    return outcome.passed ? CaseVerdict::Passed : CaseVerdict::Failed;
}

std::string_view verdict_name(CaseVerdict verdict) {
    switch (verdict) {
    case CaseVerdict::Passed:
        return "pass";
    case CaseVerdict::Failed:
        return "fail";
    case CaseVerdict::Error:
        return "error";
    }
    return "error";
}

std::vector<std::string> case_problems(const eval::CaseOutcome& outcome) {
    std::vector<std::string> problems;
    if (!outcome.error.empty()) problems.push_back("error: " + outcome.error);
    for (const auto& m : outcome.metrics)
        if (!m.error.empty()) problems.push_back(m.metric + ": error: " + m.error);
    for (const auto& m : outcome.metrics) {
        if (!m.error.empty() || !m.passed || *m.passed) continue; // only failed metrics
        std::string text = m.metric + " failed";
        if (m.score) text += " (" + format_metric_value(*m.score) + ")";
        if (!m.reason.empty()) text += ": " + m.reason;
        problems.push_back(std::move(text));
    }
    if (problems.empty() && !outcome.passed) problems.emplace_back("did not pass");
    return problems;
}

} // namespace llmops::report
