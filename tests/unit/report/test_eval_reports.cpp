// Unit tests for the eval reports in lib/report: JUnit XML, Markdown, HTML and the shared
// formatting. One hand-built run (2 cells; passes, failures, provider and metric errors;
// thresholds met and not; hostile strings) feeds every report.
#include "core/text.hpp"
#include "report/case_verdict.hpp"
#include "report/eval_html_report.hpp"
#include "report/junit_report.hpp"
#include "report/markdown_report.hpp"
#include "report/report_format.hpp"
#include "report/report_text.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

using namespace llmops;
using namespace llmops::report;
using eval::CaseOutcome;
using eval::MetricOutcome;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";
const std::string kCell0 = "qa-answer@3 × default";
const std::string kCell1 = "qa-answer@3 × gpt-4.1 \"q\" <b>&'";
// Hostile model output: markup, a script end tag, a control character, invalid UTF-8, a
// JavaScript line terminator (U+2028), Markdown table syntax and a line break.
const std::string kNastyOutput = "Lyon </script><script>alert(1)</script> \x01 bad\xFF\xFE "
                                 "utf8 \xE2\x80\xA8 | `tick` line1\nline2";

MetricOutcome metric(std::string name, std::optional<double> score, std::optional<bool> passed,
                     std::string reason = "", std::string error = "") {
    return {std::move(name), score, passed, std::move(reason), std::move(error)};
}

CaseOutcome case_outcome(std::int64_t index, std::string id, std::string output, bool passed,
                         double latency_ms, std::vector<MetricOutcome> metrics,
                         std::string error = "") {
    CaseOutcome c;
    c.case_index = index;
    c.case_id = std::move(id);
    c.output = std::move(output);
    c.error = std::move(error);
    c.passed = passed;
    c.latency_ms = latency_ms;
    c.prompt_tokens = 100;
    c.completion_tokens = 20;
    c.cost_usd = 0.00012;
    c.metrics = std::move(metrics);
    return c;
}

eval::MetricAggregate aggregate(std::string name, std::size_t scored, double mean,
                                std::optional<double> pass_rate, std::size_t errors = 0) {
    eval::MetricAggregate m;
    m.metric = std::move(name);
    m.scored = scored;
    m.errors = errors;
    m.mean = m.p50 = m.p95 = m.min = m.max = mean;
    m.pass_rate = pass_rate;
    return m;
}

eval::EvalRunSummary sample_summary() {
    eval::EvalRunSummary s;
    s.id = 42;
    s.description = "Capital cities | smoke";
    s.spec_source = "evals/qa.yaml";
    s.data_source = "qa@3";
    s.status = "completed";
    s.created_at = "2026-11-28T10:00:00.000Z";
    s.wall_s = 12.5;
    s.case_count = 4;

    eval::CellSummary a;
    a.index = 0;
    a.label = kCell0;
    a.prompt_ref = "qa-answer@3";
    a.provider_id = "default";
    a.run_id = 7;
    a.cases = 4;
    a.passed = 1;
    a.failed = 2; // q2 (metric failed) and q4 (metric error), as CellSummary counts them
    a.errors = 1;
    a.pass_rate = 0.25;
    a.prompt_tokens = 400;
    a.completion_tokens = 80;
    a.cost_usd = 0.00048;
    a.latency_p50_ms = 1200;
    a.latency_p95_ms = 30000;
    a.metrics = {aggregate("rouge_l", 3, 0.633, 2.0 / 3), aggregate("exact_match", 2, 0.5, 0.5),
                 aggregate("judge", 0, 0, std::nullopt, 1)};
    // The range of rouge_l's scores below, as the store computes it (the HTML histogram's).
    a.metrics[0].min = 0.2;
    a.metrics[0].max = 0.9;
    a.case_outcomes = {
        case_outcome(0, "q1", "Paris", true, 800,
                     {metric("rouge_l", 0.8, true), metric("exact_match", 1, true)}),
        case_outcome(1, "q2", kNastyOutput, false, 1200,
                     {metric("rouge_l", 0.2, false, "too short <&\"'\x01"),
                      metric("exact_match", 0, false, "expected `Paris` | got Lyon\nsecond line")}),
        case_outcome(2, "q3", "", false, 30000, {}, "HTTP 500: <html>"),
        case_outcome(3, "q4", "Marseille", false, 900,
                     {metric("rouge_l", 0.9, true), metric("judge", std::nullopt, std::nullopt, "",
                                                           "unparseable judge answer: \"maybe\"")}),
    };

    eval::CellSummary b;
    b.index = 1;
    b.label = kCell1;
    b.prompt_ref = "qa-answer@3";
    b.provider_id = "openai";
    b.run_id = 8;
    b.cases = 2;
    b.passed = 2;
    b.pass_rate = 1;
    b.cost_usd = 0.0123456;
    b.latency_p50_ms = 700;
    b.latency_p95_ms = 1500;
    b.metrics = {aggregate("rouge_l", 2, 1, 1.0)};
    b.case_outcomes = {
        case_outcome(0, "q1", "Paris", true, 700, {metric("rouge_l", 1, true)}),
        case_outcome(1, "q2", "Paris", true, 1500, {metric("rouge_l", 1, true)}),
    };
    s.cells = {a, b};

    s.thresholds = {
        {kCell0, "", "pass_rate", 0.9, 0.25, false, false},
        {kCell0, "rouge_l", "mean", 0.5, 0.633, false, true},
        {kCell1, "latency", "p95", 2000, 1500, true, true},
    };
    s.passed = false;
    return s;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++n;
    return n;
}

bool xmllint_available() {
    static const bool available = std::system("xmllint --version >/dev/null 2>&1") == 0;
    return available;
}

// Runs xmllint on `file` with `args` and returns its stdout and exit status.
std::pair<std::string, int> run_xmllint(const std::string& args, const std::string& file) {
    const std::string command = "xmllint " + args + " '" + file + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 4096> buffer{};
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
        output.append(buffer.data(), n);
    const int status = pclose(pipe);
    return {output, status};
}

// The value of an XPath expression over `file`, as xmllint prints it.
std::string xpath(const std::string& file, const std::string& expression) {
    auto [output, status] = run_xmllint("--xpath '" + expression + "'", file);
    INFO(expression << " -> " << output);
    REQUIRE(status == 0);
    if (!output.empty() && output.back() == '\n') output.pop_back(); // xmllint adds one
    return output;
}

std::string junit_text(const eval::EvalRunSummary& summary) {
    std::ostringstream out;
    write_junit_report(summary, out);
    return out.str();
}

std::string markdown_text(const eval::EvalRunSummary& summary, const MarkdownOptions& o = {}) {
    std::ostringstream out;
    write_markdown_report(summary, out, o);
    return out.str();
}

std::string html_text(const eval::EvalRunSummary& summary) {
    std::ostringstream out;
    write_eval_html_report(summary, out);
    return out.str();
}

nlohmann::json embedded_cases(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"eval-cases\">";
    const auto begin = html.find(open);
    REQUIRE(begin != std::string::npos);
    const auto end = html.find("</script>", begin);
    REQUIRE(end != std::string::npos);
    return nlohmann::json::parse(html.substr(begin + open.size(), end - begin - open.size()));
}

} // namespace

TEST_CASE("report text clips at character boundaries", "[report]") {
    CHECK(clip_text("a\xFF", 10) == "a" + kFffd);
    CHECK(clip_text("日本語", 5) == "日…[truncated: 9 bytes in all]");
    CHECK(clip_text("short", 10) == "short");
    CHECK(clip_text("abcdefghij", 4) == "abcd…[truncated: 10 bytes in all]");
}

TEST_CASE("report numbers read the same in every report", "[report]") {
    CHECK(format_metric_value(0.85666) == "0.857");
    CHECK(format_metric_value(1) == "1.000");
    CHECK(format_metric_value(0) == "0.000");
    CHECK(format_metric_value(0.00123456) == "0.00123");
    CHECK(format_metric_value(std::nan("")) == "-");
    CHECK(format_rate(0.85) == "85.0%");
    CHECK(format_rate(2.0 / 3) == "66.7%");
    CHECK(format_cost(0) == "$0.00");
    CHECK(format_cost(0.00123456) == "$0.001235");
    CHECK(format_cost(0.5) == "$0.5000");
    CHECK(format_cost(12.3456) == "$12.35");
    CHECK(format_cost(1234.5) == "$1234.50");
    CHECK(format_cost(1e-300) == "$0.000000000000");
    CHECK(format_latency_ms(850.4) == "850 ms");
    CHECK(format_latency_ms(4.26) == "4.3 ms");
    CHECK(format_latency_ms(std::numeric_limits<double>::infinity()) == "-");
    const auto summary = sample_summary();
    CHECK(format_threshold(summary.thresholds[0]) == "pass_rate ≥ 0.9");
    CHECK(format_threshold(summary.thresholds[1]) == "rouge_l mean ≥ 0.5");
    CHECK(format_threshold(summary.thresholds[2]) == "latency p95 ≤ 2000");
    CHECK(format_threshold_result(summary.thresholds[0]) == "pass_rate is 0.250, required ≥ 0.9");
}

TEST_CASE("case verdicts separate failures from errors", "[report]") {
    const auto cases = sample_summary().cells[0].case_outcomes;
    CHECK(case_verdict(cases[0]) == CaseVerdict::Passed);
    CHECK(case_verdict(cases[1]) == CaseVerdict::Failed);
    CHECK(case_verdict(cases[2]) == CaseVerdict::Error); // no answer
    CHECK(case_verdict(cases[3]) == CaseVerdict::Error); // a metric could not be computed
    CHECK(verdict_name(CaseVerdict::Failed) == "fail");
    CHECK(case_problems(cases[0]).empty());
    CHECK(case_problems(cases[1]) ==
          std::vector<std::string>{"rouge_l failed (0.200): too short <&\"'\x01",
                                   "exact_match failed (0.000): expected `Paris` | got "
                                   "Lyon\nsecond line"});
    CHECK(case_problems(cases[2]) == std::vector<std::string>{"error: HTTP 500: <html>"});
    CHECK(case_problems(cases[3]) ==
          std::vector<std::string>{"judge: error: unparseable judge answer: \"maybe\""});
    CaseOutcome unexplained; // not passed, yet nothing recorded: still says so
    CHECK(case_problems(unexplained) == std::vector<std::string>{"did not pass"});
}

TEST_CASE("xml_escape yields only characters XML 1.0 allows", "[report][junit]") {
    CHECK(xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
    CHECK(xml_escape("x\x01y\x0Bz\x1F") == "x" + kFffd + "y" + kFffd + "z" + kFffd);
    CHECK(xml_escape(std::string("nul\0!", 5)) == "nul" + kFffd + "!");
    CHECK(xml_escape("\xEF\xBF\xBE\xEF\xBF\xBF") == kFffd + kFffd); // U+FFFE, U+FFFF
    CHECK(xml_escape("bad \xFF") == "bad " + kFffd);
    CHECK(xml_escape("tab\tline\nCR\r") == "tab\tline\nCR&#13;");
    CHECK(xml_escape("tab\tline\nCR\r", true) == "tab&#9;line&#10;CR&#13;");
    CHECK(xml_escape("日本 ✅") == "日本 ✅");
}

TEST_CASE("JUnit report counts and escapes, parsed back", "[report][junit]") {
    const auto summary = sample_summary();
    const std::string xml = junit_text(summary);

    // Checks that need no XML parser.
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0) == 0);
    CHECK(is_valid_utf8(xml));
    CHECK(xml.find('\x01') == std::string::npos);
    CHECK(xml.find("</script>") == std::string::npos);
    CHECK(count_of(xml, "<testsuite ") == 3);
    CHECK(count_of(xml, "<testcase ") == 9);
    CHECK(count_of(xml, "<failure ") == 2);
    CHECK(count_of(xml, "<error ") == 2);
    CHECK(xml.find("<testsuites name=\"llmops eval run 42\" tests=\"9\" failures=\"2\" "
                   "errors=\"2\" time=\"12.500\">") != std::string::npos);
    CHECK(xml.find("name=\"qa-answer@3 × gpt-4.1 &quot;q&quot; &lt;b&gt;&amp;&apos;\" tests=\"2\" "
                   "failures=\"0\" errors=\"0\"") != std::string::npos);

    if (!xmllint_available()) {
        WARN("xmllint not installed (apt-get install libxml2-utils): parse-back checks skipped");
        return;
    }
    testing::TempDir dir;
    const std::string file = (dir.path() / "junit.xml").string();
    std::ofstream(file) << xml;
    const auto [lint_output, lint_status] = run_xmllint("--noout", file);
    INFO(lint_output);
    REQUIRE(lint_status == 0);

    CHECK(xpath(file, "string(/testsuites/@tests)") == "9");
    CHECK(xpath(file, "string(/testsuites/@failures)") == "2");
    CHECK(xpath(file, "string(/testsuites/@errors)") == "2");
    const std::string suite = "/testsuites/testsuite[1]";
    CHECK(xpath(file, "string(" + suite + "/@name)") == kCell0);
    CHECK(xpath(file, "string(" + suite + "/@tests)") == "4");
    CHECK(xpath(file, "string(" + suite + "/@failures)") == "1");
    CHECK(xpath(file, "string(" + suite + "/@errors)") == "2");
    CHECK(xpath(file, "string(" + suite + "/@time)") == "32.900");
    CHECK(xpath(file, "string(" + suite + "/properties/property[2]/@value)") == "default");
    CHECK(xpath(file, "count(" + suite + "/testcase)") == "4");
    CHECK(xpath(file, "string(" + suite + "/testcase[2]/@classname)") == kCell0);
    CHECK(xpath(file, "string(" + suite + "/testcase[2]/@name)") == "q2");
    CHECK(xpath(file, "string(" + suite + "/testcase[2]/@time)") == "1.200");
    CHECK(xpath(file, "count(" + suite + "/testcase[1]/*)") == "1"); // only system-out
    // The failure lists each failed metric with its reason; attribute text survives intact,
    // line break included; the control character is U+FFFD.
    CHECK(xpath(file, "string(" + suite + "/testcase[2]/failure/@message)") ==
          "rouge_l failed (0.200): too short <&\"'" + kFffd +
              "; exact_match failed (0.000): expected `Paris` | got Lyon\nsecond line");
    CHECK(xpath(file, "string(" + suite + "/testcase[2]/failure/@type)") == "metric");
    const std::string output = xpath(file, "string(" + suite + "/testcase[2]/system-out)");
    CHECK(output == "Lyon </script><script>alert(1)</script> " + kFffd + " bad" + kFffd + kFffd +
                        " utf8 \xE2\x80\xA8 | `tick` line1\nline2");
    CHECK(xpath(file, "string(" + suite + "/testcase[3]/error/@type)") == "provider");
    CHECK(xpath(file, "string(" + suite + "/testcase[3]/error/@message)") ==
          "error: HTTP 500: <html>");
    CHECK(xpath(file, "count(" + suite + "/testcase[3]/system-out)") == "0"); // no answer
    CHECK(xpath(file, "string(" + suite + "/testcase[4]/error/@type)") == "metric-error");
    CHECK(xpath(file, "string(/testsuites/testsuite[2]/@name)") == kCell1);
    CHECK(xpath(file, "string(/testsuites/testsuite[2]/testcase[1]/@classname)") == kCell1);

    const std::string thresholds = "/testsuites/testsuite[3]";
    CHECK(xpath(file, "string(" + thresholds + "/@name)") == "thresholds");
    CHECK(xpath(file, "string(" + thresholds + "/@tests)") == "3");
    CHECK(xpath(file, "string(" + thresholds + "/@failures)") == "1");
    CHECK(xpath(file, "string(" + thresholds + "/testcase[1]/@name)") ==
          kCell0 + ": pass_rate ≥ 0.9");
    CHECK(xpath(file, "string(" + thresholds + "/testcase[1]/failure/@message)") ==
          "pass_rate is 0.250, required ≥ 0.9");
    CHECK(xpath(file, "count(" + thresholds + "/testcase[2]/failure)") == "0");
    CHECK(xpath(file, "string(" + thresholds + "/testcase[3]/@name)") ==
          kCell1 + ": latency p95 ≤ 2000");
}

TEST_CASE("JUnit report clips long output and omits the thresholds suite without thresholds",
          "[report][junit]") {
    auto summary = sample_summary();
    summary.thresholds.clear();
    summary.passed = true;
    summary.cells[1].case_outcomes[0].output = std::string(100000, 'x');
    const std::string xml = junit_text(summary);
    CHECK(xml.find("name=\"thresholds\"") == std::string::npos);
    CHECK(xml.find("<testsuites name=\"llmops eval run 42\" tests=\"6\" failures=\"1\"") !=
          std::string::npos);
    CHECK(xml.find("…[truncated: 100000 bytes in all]</system-out>") != std::string::npos);
    CHECK(xml.size() < 30000);
}

TEST_CASE("markdown_cell_text keeps a table cell one cell", "[report][markdown]") {
    CHECK(markdown_cell_text("a|b", 100) == "a\\|b");
    CHECK(markdown_cell_text("`code` *x* _y_ [l](u) <b> ~s~ \\", 100) ==
          "\\`code\\` \\*x\\* \\_y\\_ \\[l\\](u) \\<b\\> \\~s\\~ \\\\");
    CHECK(markdown_cell_text("AT&T", 100) == "AT&amp;T");
    CHECK(markdown_cell_text("one\ntwo\r\nthree\rfour", 100) == "one<br>two<br>three<br>four");
    CHECK(markdown_cell_text("bell\x07 tab\t", 100) == "bell" + kFffd + " tab ");
    CHECK(markdown_cell_text("bad \xFF", 100) == "bad " + kFffd);
    CHECK(markdown_cell_text("abcdef", 3) == "abc…\\[truncated: 6 bytes in all\\]");
}

TEST_CASE("Markdown report fits a CI step summary", "[report][markdown]") {
    const auto summary = sample_summary();
    const std::string md = markdown_text(summary);
    CHECK(md.rfind("## ❌ llmops eval run 42 failed: 1 of 3 thresholds not met\n", 0) == 0);
    CHECK(md.find("Capital cities \\| smoke") != std::string::npos);
    CHECK(md.find("**spec** evals/qa.yaml · **data** qa@3 · **cases** 4") != std::string::npos);
    // Thresholds with their outcome.
    CHECK(md.find("| ❌ | qa-answer@3 × default | pass\\_rate ≥ 0.9 | 0.250 |") !=
          std::string::npos);
    CHECK(md.find("| ✅ | qa-answer@3 × default | rouge\\_l mean ≥ 0.5 | 0.633 |") !=
          std::string::npos);
    CHECK(md.find("| ✅ | qa-answer@3 × gpt-4.1 \"q\" \\<b\\>&amp;' | latency p95 ≤ 2000 | "
                  "1500.000 |") != std::string::npos);
    // One row per cell with the run's figures.
    CHECK(md.find("| qa-answer@3 × default | 4 | 25.0% | 1 | 2 | 1 | 400 | 80 | $0.0004800 | "
                  "1200 ms | 30000 ms |") != std::string::npos);
    CHECK(md.find("| $0.01235 | 700 ms | 1500 ms |") != std::string::npos);
    // Metrics: mean and pass rate; a metric without pass/fail shows a dash.
    CHECK(md.find("| qa-answer@3 × default | rouge\\_l | 0.633 | 66.7% |") != std::string::npos);
    CHECK(md.find("| qa-answer@3 × default | judge | – | – | – | – | – | – | 0 | 1 |") !=
          std::string::npos);
    // Failed cases with reasons, escaped so the table holds.
    CHECK(md.find("#### Failed cases: qa-answer@3 × default (3 of 3 shown)") != std::string::npos);
    CHECK(md.find("| q2 | fail | rouge\\_l failed (0.200): too short \\<&amp;\"'" + kFffd +
                  "<br>exact\\_match failed (0.000): expected \\`Paris\\` \\| got Lyon<br>second "
                  "line |") != std::string::npos);
    CHECK(md.find("| q3 | error | error: HTTP 500: \\<html\\> |") != std::string::npos);
    CHECK(md.find("| q4 | error | judge: error: unparseable judge answer: \"maybe\" |") !=
          std::string::npos);
    CHECK(md.find("Failed cases: qa-answer@3 × gpt") == std::string::npos); // nothing failed
    CHECK(md.find("alert(1)") == std::string::npos); // outputs are not in the summary
    // Every table line is whole: a line that opens a row closes it.
    std::istringstream lines(md);
    std::size_t rows = 0;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '|') {
            ++rows;
            CHECK(line.back() == '|');
        }
    // Header and separator plus: 3 thresholds, 2 cells, 4 metrics, 3 failed cases.
    CHECK(rows == 2 + 3 + 2 + 2 + 2 + 4 + 2 + 3);
    CHECK(md.find('\x01') == std::string::npos);
    CHECK(is_valid_utf8(md));
}

TEST_CASE("Markdown report limits the failed cases per cell and says when passed",
          "[report][markdown]") {
    auto summary = sample_summary();
    MarkdownOptions options;
    options.max_failed_cases = 1;
    const std::string md = markdown_text(summary, options);
    CHECK(md.find("#### Failed cases: qa-answer@3 × default (1 of 3 shown)") != std::string::npos);
    CHECK(md.find("| q2 | fail |") != std::string::npos);
    CHECK(md.find("| q3 |") == std::string::npos);

    summary.passed = true;
    summary.thresholds[0].met = true;
    summary.status = "interrupted";
    const std::string passed = markdown_text(summary);
    CHECK(passed.rfind("## ✅ llmops eval run 42 passed\n", 0) == 0);
    CHECK(passed.find("the run was interrupted") != std::string::npos);
}

TEST_CASE("script_safe_json cannot end or alter a script element", "[report][html]") {
    const std::string json =
        nlohmann::json{{"t", "</script><!-- & \xE2\x80\xA8\xE2\x80\xA9 >"}}.dump(-1, ' ', false);
    const std::string safe = script_safe_json(json);
    CHECK(safe == "{\"t\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\u003e\"}");
    CHECK(nlohmann::json::parse(safe) == nlohmann::json::parse(json));
}

TEST_CASE("HTML report is self-contained and escapes everything", "[report][html]") {
    const auto summary = sample_summary();
    const std::string html = html_text(summary);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("</html>") != std::string::npos);
    // No external resources.
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find(" src=") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    // One score histogram: rouge_l of the first cell; pass/fail (0/1) metrics and a cell
    // whose cases all score 1 have none.
    CHECK(html.find("<h2>Score distributions</h2>") != std::string::npos);
    std::size_t charts = 0;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
        ++charts;
    CHECK(charts - count_of(html, "<svg class=\"mark\"") == 1); // threshold marks aside
    // Exactly the two script elements of the report: the data cannot close or open one.
    CHECK(count_of(html, "<script") == 2);
    CHECK(count_of(html, "</script") == 2);
    CHECK(html.find("alert(1)") != std::string::npos); // it is there, but inert
    CHECK(html.find("<b>&'") == std::string::npos);    // the raw cell label
    CHECK(html.find("qa-answer@3 × gpt-4.1 &quot;q&quot; &lt;b&gt;&amp;&#39;") !=
          std::string::npos);
    CHECK(html.find('\x01') == std::string::npos);
    CHECK(html.find("\xE2\x80\xA8") == std::string::npos);
    CHECK(is_valid_utf8(html));
    // Summary, thresholds and filters are on the page.
    CHECK(html.find("<span class=\"badge fail\">failed</span>") != std::string::npos);
    CHECK(html.find("</svg> not met</td><td>qa-answer@3 × default</td><td>pass_rate ≥ 0.9</td>") !=
          std::string::npos);
    // Marks are drawn: no emoji that a browser without a colour-emoji font shows as a box.
    CHECK(html.find("<svg class=\"mark\"") != std::string::npos);
    CHECK(html.find("✅") == std::string::npos);
    CHECK(html.find("❌") == std::string::npos);
    CHECK(html.find("<td class=\"n\">$0.01235</td>") != std::string::npos);
    CHECK(html.find("id=\"case-filter\" type=\"search\"") != std::string::npos);
    CHECK(html.find("<option value=\"error\">error</option>") != std::string::npos);

    // The embedded cases decode to what the run holds, output repaired to UTF-8.
    const nlohmann::json data = embedded_cases(html);
    CHECK(data["metrics"] == nlohmann::json{"rouge_l", "exact_match", "judge"});
    CHECK(data["cells"] == nlohmann::json{kCell0, kCell1});
    REQUIRE(data["cases"].size() == 6);
    const auto& q2 = data["cases"][1];
    CHECK(q2["id"] == "q2");
    CHECK(q2["cell"] == 0);
    CHECK(q2["v"] == "fail");
    CHECK(q2["s"] == nlohmann::json{0.2, 0.0, nullptr});
    CHECK(q2["p"] == nlohmann::json{false, false, nullptr});
    CHECK(q2["out"] == "Lyon </script><script>alert(1)</script> \x01 bad" + kFffd + kFffd +
                           " utf8 \xE2\x80\xA8 | `tick` line1\nline2");
    CHECK(q2["ms"] == 1200.0);
    CHECK(q2["tok"] == 120);
    CHECK(data["cases"][2]["v"] == "error");
    CHECK(data["cases"][2]["err"] == "error: HTTP 500: <html>");
    CHECK(data["cases"][3]["v"] == "error");
    CHECK(data["cases"][3]["s"] == nlohmann::json{0.9, nullptr, nullptr});
    CHECK(data["cases"][4]["cell"] == 1);
    CHECK(data["cases"][4]["v"] == "pass");
}

TEST_CASE("HTML report of 10,000 cases stays small: rows are rendered from data",
          "[report][html]") {
    auto summary = sample_summary();
    auto& cell = summary.cells[0];
    const CaseOutcome failed = cell.case_outcomes[1];
    cell.case_outcomes.clear();
    for (int i = 0; i < 10000; ++i) {
        CaseOutcome c = failed;
        c.case_index = i;
        c.case_id = "case-" + std::to_string(i);
        c.output = std::string(200, 'a' + i % 26);
        cell.case_outcomes.push_back(std::move(c));
    }
    const std::string html = html_text(summary);
    CHECK(embedded_cases(html)["cases"].size() == 10002);
    // ~400 bytes per case of 200-byte output and two reasons; no pre-rendered case rows.
    CHECK(html.size() < 10000 * 500);
    CHECK(count_of(html, "<tr") < 20);
}

TEST_CASE("reports read each cell's cases through CellCases, a bounded number of times",
          "[report]") {
    auto summary = sample_summary();
    // The cases as a report would get them from the store: visited on demand, not held.
    std::vector<eval::CellSummary> held = summary.cells;
    std::map<int, int> passes; // cell index -> times its cases were read
    eval::CellCases streamed = [&](const eval::CellSummary& cell, const eval::CaseVisitor& visit) {
        ++passes[cell.index];
        for (const auto& c : held[static_cast<std::size_t>(cell.index)].case_outcomes)
            visit(c);
    };
    eval::EvalRunSummary lean = summary;
    for (auto& cell : lean.cells)
        cell.case_outcomes.clear();

    std::ostringstream junit, junit_streamed;
    write_junit_report(summary, junit);
    write_junit_report(lean, streamed, junit_streamed);
    CHECK(junit_streamed.str() == junit.str());
    CHECK(passes == std::map<int, int>{{0, 2}, {1, 2}}); // counted, then written

    passes.clear();
    std::ostringstream markdown, markdown_streamed;
    write_markdown_report(summary, markdown);
    write_markdown_report(lean, streamed, markdown_streamed);
    CHECK(markdown_streamed.str() == markdown.str());
    CHECK(passes == std::map<int, int>{{0, 1}, {1, 1}});

    passes.clear();
    std::ostringstream html, html_streamed;
    write_eval_html_report(summary, html);
    write_eval_html_report(lean, streamed, html_streamed);
    CHECK(html_streamed.str() == html.str());
    CHECK(passes == std::map<int, int>{{0, 2}, {1, 1}}); // histograms (cell 0 only), then rows
}

TEST_CASE("Markdown and HTML show each cell against the baseline", "[report]") {
    auto summary = sample_summary();
    eval::CellComparison c;
    c.cell_a = kCell0;
    c.cell_b = kCell1;
    c.paired_by = "case";
    c.paired = 2;
    eval::MetricComparison m;
    m.metric = "pass";
    m.test = "mcnemar-exact";
    m.pairs = 2;
    m.mean_a = 0.5;
    m.mean_b = 1;
    m.diff = 0.5;
    m.ci.lower = 0;
    m.ci.upper = 1;
    m.p_value = 0.5;
    c.metrics.push_back(m);
    m.metric = "rouge_l";
    m.test = "wilcoxon-exact";
    m.mean_a = 0.8;
    m.mean_b = 0.2;
    m.diff = -0.6;
    m.ci.lower = -0.7;
    m.ci.upper = -0.5;
    m.p_value = 0.01;
    m.significant = m.regression = true;
    c.metrics.push_back(m);
    summary.versus_baseline = {c};
    const std::string md = markdown_text(summary);
    CHECK(md.find("### Against the baseline") != std::string::npos);
    CHECK(md.find("| qa-answer@3 × gpt-4.1 \"q\" \\<b\\>&amp;' | qa-answer@3 × default | "
                  "rouge\\_l | 0.800 | 0.200 | -0.600 | [-0.700, -0.500] | 0.01 | worse |") !=
          std::string::npos);
    CHECK(md.find("| pass | 0.500 | 1.000 | +0.500 | [+0.000, +1.000] | 0.5 | no significant "
                  "difference |") != std::string::npos);
    const std::string html = html_text(summary);
    CHECK(html.find("<h2>Against the baseline</h2>") != std::string::npos);
    CHECK(html.find("<td>wilcoxon-exact</td><td class=\"bad\">worse</td>") != std::string::npos);
    CHECK(markdown_text(sample_summary()).find("Against the baseline") == std::string::npos);
}
