#include "report/junit_report.hpp"

#include "core/text.hpp"
#include "report/case_verdict.hpp"
#include "report/report_format.hpp"
#include "report/report_text.hpp"

#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace llmops::report {

namespace {

// Bounds that keep a report of 10,000 cases a few tens of MB at worst: CI servers store and
// parse the whole file, and nobody reads past the first screen of an answer there.
constexpr std::size_t kMaxOutputBytes = 8192;  // <system-out>, per case
constexpr std::size_t kMaxMessageBytes = 1024; // the message="" attribute
constexpr std::size_t kMaxProblemBytes = 4096; // each problem in a <failure>/<error> body

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

// JUnit times are seconds with a fraction; parsers reject negative and non-finite values.
std::string seconds(double s) {
    if (!std::isfinite(s) || s < 0) s = 0;
    return fmt::format("{:.3f}", s);
}

std::string attr(std::string_view text) {
    return xml_escape(text, true);
}

struct SuiteCounts {
    std::size_t tests = 0, failures = 0, errors = 0;
    double time_s = 0;
};

SuiteCounts count_cell(const eval::CellSummary& cell, const eval::CellCases& cases) {
    SuiteCounts counts;
    cases(cell, [&](const eval::CaseOutcome& c) {
        ++counts.tests;
        counts.time_s += c.latency_ms / 1000.0;
        const CaseVerdict verdict = case_verdict(c);
        if (verdict == CaseVerdict::Failed) ++counts.failures;
        if (verdict == CaseVerdict::Error) ++counts.errors;
    });
    return counts;
}

std::string join_problems(const std::vector<std::string>& problems, std::string_view separator,
                          std::size_t max_each) {
    std::string joined;
    for (const auto& p : problems) {
        if (!joined.empty()) joined += separator;
        joined += clip_text(p, max_each);
    }
    return joined;
}

void write_case(const eval::CellSummary& cell, const eval::CaseOutcome& c, std::ostream& out) {
    const std::string name = c.case_id.empty() ? fmt::format("case {}", c.case_index) : c.case_id;
    out << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", attr(cell.label),
                       attr(name), seconds(c.latency_ms / 1000.0));
    const CaseVerdict verdict = case_verdict(c);
    if (verdict == CaseVerdict::Passed && c.output.empty()) {
        out << "/>\n";
        return;
    }
    out << ">\n";
    if (verdict != CaseVerdict::Passed) {
        const auto problems = case_problems(c);
        const bool provider_error = !c.error.empty();
        const std::string_view element = verdict == CaseVerdict::Error ? "error" : "failure";
        const std::string_view type = verdict == CaseVerdict::Failed ? "metric"
                                      : provider_error               ? "provider"
                                                                     : "metric-error";
        out << fmt::format(
            "      <{} message=\"{}\" type=\"{}\">{}</{}>\n", element,
            attr(clip_text(join_problems(problems, "; ", kMaxMessageBytes), kMaxMessageBytes)),
            type, xml_escape(join_problems(problems, "\n", kMaxProblemBytes)), element);
    }
    if (!c.output.empty())
        out << "      <system-out>" << xml_escape(clip_text(c.output, kMaxOutputBytes))
            << "</system-out>\n";
    out << "    </testcase>\n";
}

void write_cell_suite(const eval::EvalRunSummary& summary, const eval::CellSummary& cell,
                      const SuiteCounts& counts, const eval::CellCases& cases, std::ostream& out) {
    out << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
                       "skipped=\"0\" time=\"{}\"",
                       attr(cell.label), counts.tests, counts.failures, counts.errors,
                       seconds(counts.time_s));
    if (!summary.created_at.empty()) out << " timestamp=\"" << attr(summary.created_at) << '"';
    out << ">\n    <properties>\n";
    const auto property = [&](std::string_view name, std::string_view value) {
        out << fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, attr(value));
    };
    property("prompt", cell.prompt_ref);
    property("provider", cell.provider_id);
    property("run_id", fmt::format("{}", cell.run_id));
    property("pass_rate", format_rate(cell.pass_rate));
    property("prompt_tokens", fmt::format("{}", cell.prompt_tokens));
    property("completion_tokens", fmt::format("{}", cell.completion_tokens));
    property("cost_usd", fmt::format("{}", cell.cost_usd));
    property("latency_p50_ms", fmt::format("{}", cell.latency_p50_ms));
    property("latency_p95_ms", fmt::format("{}", cell.latency_p95_ms));
    out << "    </properties>\n";
    cases(cell, [&](const eval::CaseOutcome& c) { write_case(cell, c, out); });
    out << "  </testsuite>\n";
}

void write_threshold_suite(const eval::EvalRunSummary& summary, std::ostream& out) {
    std::size_t failures = 0;
    for (const auto& t : summary.thresholds)
        if (!t.met) ++failures;
    out << fmt::format("  <testsuite name=\"thresholds\" tests=\"{}\" failures=\"{}\" "
                       "errors=\"0\" skipped=\"0\" time=\"0.000\">\n",
                       summary.thresholds.size(), failures);
    for (const auto& t : summary.thresholds) {
        // The cell is in the name too: several reporters show only the name.
        const std::string requirement = format_threshold(t);
        out << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0.000\"",
                           attr(t.cell), attr(t.cell + ": " + requirement));
        if (t.met) {
            out << "/>\n";
            continue;
        }
        const std::string message = format_threshold_result(t);
        out << fmt::format(">\n      <failure message=\"{}\" type=\"threshold\">{}</failure>\n"
                           "    </testcase>\n",
                           attr(message), xml_escape(message));
    }
    out << "  </testsuite>\n";
}

} // namespace

std::string xml_escape(std::string_view text, bool attribute) {
    const std::string valid = to_valid_utf8(text);
    std::string out;
    out.reserve(valid.size() + valid.size() / 8);
    for (std::size_t i = 0; i < valid.size(); ++i) {
        const char c = valid[i];
        switch (c) {
        case '&':
            out += "&amp;";
            continue;
        case '<':
            out += "&lt;";
            continue;
        case '>': // only "]]>" requires it, but escaping every '>' is simpler and just as valid
            out += "&gt;";
            continue;
        case '"':
            out += "&quot;";
            continue;
        case '\'':
            out += "&apos;";
            continue;
        case '\t':
            out += attribute ? "&#9;" : "\t";
            continue;
        case '\n':
            out += attribute ? "&#10;" : "\n";
            continue;
        case '\r': // a raw CR is folded into LF by every parser; keep it as a reference
            out += "&#13;";
            continue;
        default:
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20) { // XML 1.0 allows no other C0 control, not even as &#1;
            out += kReplacement;
            continue;
        }
        // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters either.
        if (byte == 0xEF && i + 2 < valid.size() && valid[i + 1] == '\xBF' &&
            (valid[i + 2] == '\xBE' || valid[i + 2] == '\xBF')) {
            out += kReplacement;
            i += 2;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

void write_junit_report(const eval::EvalRunSummary& summary, std::ostream& out) {
    write_junit_report(summary, eval::loaded_cases(), out);
}

void write_junit_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                        std::ostream& out) {
    // The counts head the document, so the cases are read twice: counted, then written.
    std::vector<SuiteCounts> cell_counts;
    SuiteCounts total;
    for (const auto& cell : summary.cells) {
        const SuiteCounts& counts = cell_counts.emplace_back(count_cell(cell, cases));
        total.tests += counts.tests;
        total.failures += counts.failures;
        total.errors += counts.errors;
    }
    for (const auto& t : summary.thresholds) {
        ++total.tests;
        if (!t.met) ++total.failures;
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
                       "time=\"{}\">\n",
                       attr(fmt::format("llmops eval run {}", summary.id)), total.tests,
                       total.failures, total.errors, seconds(summary.wall_s));
    for (std::size_t i = 0; i < summary.cells.size(); ++i)
        write_cell_suite(summary, summary.cells[i], cell_counts[i], cases, out);
    if (!summary.thresholds.empty()) write_threshold_suite(summary, out);
    out << "</testsuites>\n";
}

} // namespace llmops::report
