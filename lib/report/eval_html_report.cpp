#include "report/eval_html_report.hpp"
#include "report/html_style.hpp"

#include "core/text.hpp"
#include "report/case_verdict.hpp"
#include "report/profile_html.hpp"
#include "report/report_format.hpp"
#include "report/report_text.hpp"
#include "report/svg_histogram.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace llmops::report {

namespace {

constexpr std::string_view kEvalStyle = R"(
#cases{width:100%;table-layout:auto}
#cases th{cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
#cases th[aria-sort=ascending]::after{content:" ▲"}#cases th[aria-sort=descending]::after{content:" ▼"}
td.clip div{max-height:4.4em;overflow:hidden;white-space:pre-wrap;word-break:break-word;cursor:pointer;max-width:38rem}
td.clip.open div{max-height:none}
.ok,.v-pass{color:#176b2c}.bad,.v-fail{color:#a11d1d}.v-error{color:#8a5a00}
.v-pass,.v-fail,.v-error{font-weight:600}
svg.mark{width:1em;height:1em;vertical-align:-.15em;fill:none;stroke:currentColor;stroke-width:2.4;
 stroke-linecap:round;stroke-linejoin:round}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:4px;font-size:.9em}
.badge.pass{background:#dff3e4;color:#176b2c}.badge.fail{background:#fde8e8;color:#a11d1d}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0}
.controls input[type=search]{min-width:22rem;padding:.3rem .5rem}
.controls button,.controls select{padding:.25rem .5rem}
#case-info{color:#556}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
svg .bar{fill:#5b7bd5}svg .axis{stroke:#99a;stroke-width:1}svg text{font-size:11px;fill:#556}
)";

// Renders the case table from the embedded JSON a page at a time: building 10,000 rows of
// DOM up front makes a page sluggish, filtering and sorting an array of 10,000 does not.
// Every value reaches the page through textContent, never innerHTML.
constexpr std::string_view kScript = R"(
(() => {
"use strict";
const data = JSON.parse(document.getElementById("eval-cases").textContent);
const PAGE = 100;
const $ = (id) => document.getElementById(id);
const isNum = (v) => typeof v === "number" && isFinite(v);
const metric = (v) => !isNum(v) ? "–" : (v !== 0 && Math.abs(v) < 0.01 ? v.toPrecision(3) : v.toFixed(3));
const ms = (v) => !isNum(v) ? "–" : (Math.abs(v) < 10 ? v.toFixed(1) : v.toFixed(0)) + " ms";
const usd = (v) => {
  if (!isNum(v)) return "–";
  if (v === 0) return "$0.00";
  const decimals = Math.min(12, Math.max(2, 3 - Math.floor(Math.log10(Math.abs(v)))));
  return (v < 0 ? "-$" : "$") + Math.abs(v).toFixed(decimals);
};
const columns = [
  {title: "case", key: (c) => c.id},
  {title: "cell", key: (c) => data.cells[c.cell]},
  {title: "verdict", key: (c) => c.v, cls: (c) => "v-" + c.v},
  ...data.metrics.map((name, i) => ({
    title: name, numeric: true, key: (c) => c.s[i], text: (c) => metric(c.s[i]),
    cls: (c) => "n " + (c.p[i] === true ? "ok" : c.p[i] === false ? "bad" : "")})),
  {title: "output", key: (c) => c.out, clip: true},
  {title: "error / reasons", key: (c) => c.err, clip: true},
  {title: "answer latency", numeric: true, key: (c) => c.ms, text: (c) => ms(c.ms), cls: () => "n"},
  {title: "answer tokens", numeric: true, key: (c) => c.tok, text: (c) => String(c.tok), cls: () => "n"},
  {title: "answer cost", numeric: true, key: (c) => c.cost, text: (c) => usd(c.cost), cls: () => "n"},
];
let view = data.cases, sortColumn = -1, sortDirection = 1, page = 0;

const haystack = (c) => c.h || (c.h = [c.id, data.cells[c.cell], c.v, c.out, c.err].join("\n").toLowerCase());
const missing = (v) => v === null || v === undefined || (typeof v === "number" && !isFinite(v));
// Missing values sort last in both directions.
const compare = (a, b) => {
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  return (a < b ? -1 : a > b ? 1 : 0) * sortDirection;
};

function apply() {
  const query = $("case-filter").value.trim().toLowerCase();
  const verdict = $("verdict-filter").value, cell = $("cell-filter").value;
  view = data.cases.filter((c) => (!verdict || c.v === verdict) &&
    (cell === "" || c.cell === Number(cell)) && (!query || haystack(c).includes(query)));
  if (sortColumn >= 0) {
    const key = columns[sortColumn].key;
    view.sort((a, b) => compare(key(a), key(b)));
  }
  page = 0;
  render();
}

function render() {
  const pages = Math.max(1, Math.ceil(view.length / PAGE));
  page = Math.min(page, pages - 1);
  const rows = document.createDocumentFragment();
  for (const c of view.slice(page * PAGE, (page + 1) * PAGE)) {
    const tr = document.createElement("tr");
    for (const column of columns) {
      const td = document.createElement("td");
      const text = column.text ? column.text(c) : String(column.key(c) ?? "");
      if (column.clip) {
        td.className = "clip";
        const div = document.createElement("div");
        div.textContent = text;
        td.appendChild(div);
      } else {
        td.textContent = text;
      }
      if (column.cls) td.className = column.cls(c);
      tr.appendChild(td);
    }
    rows.appendChild(tr);
  }
  $("case-rows").replaceChildren(rows);
  const first = view.length ? page * PAGE + 1 : 0;
  $("case-info").textContent = `${first}–${Math.min(view.length, (page + 1) * PAGE)} of ` +
    `${view.length} matching cases (${data.cases.length} in all), page ${page + 1} of ${pages}`;
  $("prev-page").disabled = page === 0;
  $("next-page").disabled = page + 1 >= pages;
}

const head = $("case-head");
columns.forEach((column, i) => {
  const th = document.createElement("th");
  th.textContent = column.title;
  th.title = "Sort by " + column.title;
  th.addEventListener("click", () => {
    sortDirection = sortColumn === i ? -sortDirection : (column.numeric ? -1 : 1);
    sortColumn = i;
    for (const other of head.children) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", sortDirection > 0 ? "ascending" : "descending");
    apply();
  });
  head.appendChild(th);
});
let pending = 0;
$("case-filter").addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(apply, 150); });
$("verdict-filter").addEventListener("change", apply);
$("cell-filter").addEventListener("change", apply);
$("prev-page").addEventListener("click", () => { --page; render(); });
$("next-page").addEventListener("click", () => { ++page; render(); });
$("case-rows").addEventListener("click", (e) => {
  const td = e.target.closest("td.clip");
  if (td) td.classList.toggle("open");
});
apply();
})();
)";

std::string num_cell(std::string_view value) {
    return fmt::format("<td class=\"n\">{}</td>", html_text(value));
}

void write_header(const eval::EvalRunSummary& summary, std::ostream& out) {
    const std::string title = fmt::format("llmops eval run {}", summary.id);
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
    out << fmt::format("<title>{} {}</title><style>{}{}</style></head><body>", html_text(title),
                       summary.passed ? "passed" : "failed", kBaseStyle, kEvalStyle);
    out << fmt::format("<h1>{} <span class=\"badge {}\">{}</span></h1>", html_text(title),
                       summary.passed ? "pass" : "fail", summary.passed ? "passed" : "failed");
    if (!summary.description.empty()) out << "<p>" << html_text(summary.description) << "</p>";
    std::vector<std::string> facts;
    const auto fact = [&](std::string_view name, std::string_view value) {
        if (!value.empty()) facts.push_back(fmt::format("{} <b>{}</b>", name, html_text(value)));
    };
    fact("spec", summary.spec_source);
    fact("data", summary.data_source);
    fact("cases", fmt::format("{}", summary.case_count));
    fact("status", summary.status);
    fact("started", summary.created_at);
    fact("wall time", fmt::format("{:.1f} s", summary.wall_s));
    out << "<p class=\"sub\">" << fmt::format("{}", fmt::join(facts, " · ")) << "</p>";
}

// Drawn, not typed: the emoji check and cross need a colour-emoji font that a headless
// browser or a server (Debian's default fonts, say) does not have, and show as empty boxes.
constexpr std::string_view kCheckMark =
    "<svg class=\"mark\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><path d=\"M3 8.5l3.2 "
    "3.2L13 4.8\"/></svg>";
constexpr std::string_view kCrossMark =
    "<svg class=\"mark\" viewBox=\"0 0 16 16\" aria-hidden=\"true\"><path d=\"M4 4l8 "
    "8M12 4l-8 8\"/></svg>";

void write_thresholds(const eval::EvalRunSummary& summary, std::ostream& out) {
    if (summary.thresholds.empty()) return;
    out << "<h2>Thresholds</h2><table><tr><th></th><th>cell</th><th>requirement</th>"
           "<th>actual</th></tr>";
    for (const auto& t : summary.thresholds)
        out << fmt::format(
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td>{}</tr>", t.met ? "ok" : "bad",
            t.met ? std::string(kCheckMark) + " met" : std::string(kCrossMark) + " not met",
            html_text(t.cell), html_text(format_threshold(t)),
            num_cell(format_metric_value(t.actual)));
    out << "</table>";
}

void write_cells(const eval::EvalRunSummary& summary, std::ostream& out) {
    out << "<h2>Cells</h2><table><tr><th>cell</th><th>prompt</th><th>provider</th>"
           "<th>cases</th><th>pass rate</th><th>passed</th><th>failed</th><th>errors</th>"
           "<th>prompt tokens</th><th>completion tokens</th><th>cost</th><th>latency p50</th>"
           "<th>latency p95</th></tr>";
    for (const auto& cell : summary.cells) {
        out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>", html_text(cell.label),
                           html_text(cell.prompt_ref), html_text(cell.provider_id));
        for (const std::string& value :
             {fmt::format("{}", cell.cases), format_rate(cell.pass_rate),
              fmt::format("{}", cell.passed), fmt::format("{}", cell.failed),
              fmt::format("{}", cell.errors), fmt::format("{}", cell.prompt_tokens),
              fmt::format("{}", cell.completion_tokens), format_cost(cell.cost_usd),
              format_latency_ms(cell.latency_p50_ms), format_latency_ms(cell.latency_p95_ms)})
            out << num_cell(value);
        out << "</tr>";
    }
    out << "</table>";

    out << "<h2>Metrics</h2><table><tr><th>cell</th><th>metric</th><th>mean</th>"
           "<th>pass rate</th><th>p50</th><th>p95</th><th>min</th><th>max</th><th>scored</th>"
           "<th>errors</th></tr>";
    for (const auto& cell : summary.cells)
        for (const auto& m : cell.metrics) {
            const auto stat = [&](double v) { return m.scored ? format_metric_value(v) : "–"; };
            out << fmt::format(
                "<tr><td>{}</td><td>{}{}</td>", html_text(cell.label), html_text(metric_title(m)),
                m.lower_is_better ? " <span class=\"sub\">(lower is better)</span>" : "");
            for (const std::string& value :
                 {stat(m.mean), m.pass_rate ? format_rate(*m.pass_rate) : "–", stat(m.p50),
                  stat(m.p95), stat(m.min), stat(m.max), fmt::format("{}", m.scored),
                  fmt::format("{}", m.errors)})
                out << num_cell(value);
            out << "</tr>";
        }
    out << "</table>";
}

// A histogram of each graded metric's case scores (pass/fail metrics, all 0 or 1, have their
// pass rate instead; a metric every case scores alike has its value in the metrics table).
// One pass over each cell's cases, binning into the range its aggregates give.
void write_distributions(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                         std::ostream& out) {
    constexpr int kBins = 10;
    std::string charts;
    for (const auto& cell : summary.cells) {
        struct Chart {
            const eval::MetricAggregate* metric;
            stats::EqualWidthBins bins;
            bool graded = false;
        };
        std::vector<Chart> wanted;
        for (const auto& m : cell.metrics)
            if (m.scored > 0 && m.min < m.max) // nothing to tell from a single value
                wanted.push_back({&m, stats::EqualWidthBins(m.min, m.max, kBins)});
        if (wanted.empty()) continue;
        cases(cell, [&](const eval::CaseOutcome& c) {
            for (const auto& o : c.metrics) {
                if (!o.score || !o.error.empty()) continue;
                for (auto& chart : wanted) {
                    if (chart.metric->metric != o.metric) continue;
                    chart.bins.add(*o.score);
                    chart.graded = chart.graded || (*o.score != 0 && *o.score != 1);
                }
            }
        });
        for (const auto& chart : wanted)
            if (chart.graded)
                charts += histogram_svg(chart.bins.histogram(),
                                        cell.label + " · " + chart.metric->metric);
    }
    if (charts.empty()) return;
    out << "<h2>Score distributions</h2><div class=\"charts\">" << charts << "</div>";
}

void write_baseline(const eval::EvalRunSummary& summary, std::ostream& out) {
    if (summary.versus_baseline.empty()) return;
    out << "<h2>Against the baseline</h2><p class=\"sub\">Paired tests on the same cases "
           "(McNemar for pass/fail, Wilcoxon signed-rank for scores; 95% bootstrap interval of "
           "the difference). Definitions: docs/metrics.md.</p><table><tr><th>cell</th>"
           "<th>baseline</th><th>metric</th><th>baseline</th><th>cell</th><th>difference</th>"
           "<th>95% CI</th><th>p</th><th>test</th><th>verdict</th></tr>";
    for (const auto& c : summary.versus_baseline)
        for (const auto& m : c.metrics) {
            const std::string verdict = m.pairs ? comparison_verdict(m) : "no pairs";
            out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>", html_text(c.cell_b),
                               html_text(c.cell_a), html_text(m.metric));
            for (const std::string& value :
                 {m.pairs ? format_metric_value(m.mean_a) : "–",
                  m.pairs ? format_metric_value(m.mean_b) : "–",
                  m.pairs ? format_difference(m.diff) : "–", format_interval(m),
                  m.pairs ? format_p_value(m.p_value) : "–"})
                out << num_cell(value);
            out << fmt::format("<td>{}</td><td class=\"{}\">{}</td></tr>", html_text(m.test),
                               m.regression    ? "bad"
                               : m.significant ? "ok"
                                               : "",
                               html_text(verdict));
        }
    out << "</table>";
}

// The case table's metric columns: every metric label of the cells (and of the cases held in
// memory, if any), in order of appearance.
std::vector<std::string> metric_columns(const eval::EvalRunSummary& summary) {
    std::vector<std::string> labels;
    const auto add = [&](const std::string& label) {
        if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    };
    for (const auto& cell : summary.cells) {
        for (const auto& m : cell.metrics)
            add(m.metric);
        for (const auto& c : cell.case_outcomes)
            for (const auto& m : c.metrics)
                add(m.metric);
    }
    return labels;
}

nlohmann::json case_row(const eval::CaseOutcome& c, std::size_t cell,
                        const std::vector<std::string>& metrics, const EvalHtmlOptions& options) {
    nlohmann::json scores(metrics.size(), nullptr), passes(metrics.size(), nullptr);
    for (const auto& m : c.metrics) {
        const auto found = std::find(metrics.begin(), metrics.end(), m.metric);
        if (found == metrics.end()) continue;
        const auto at = static_cast<std::size_t>(found - metrics.begin());
        if (m.score) scores[at] = *m.score;
        if (m.passed) passes[at] = *m.passed;
    }
    std::string problems;
    for (const auto& p : case_problems(c))
        problems += (problems.empty() ? "" : "\n") + p;
    return {
        {"id", to_valid_utf8(c.case_id.empty() ? fmt::format("case {}", c.case_index) : c.case_id)},
        {"cell", cell},
        {"v", std::string(verdict_name(case_verdict(c)))},
        {"s", std::move(scores)},
        {"p", std::move(passes)},
        {"out", clip_text(c.output, options.max_text_bytes)},
        {"err", clip_text(problems, options.max_text_bytes)},
        {"ms", c.latency_ms},
        {"tok", c.prompt_tokens + c.completion_tokens},
        {"cost", c.cost_usd},
    };
}

std::string dump_script_safe(const nlohmann::json& value) {
    return script_safe_json(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The case table's data, {"metrics", "cells", "cases"}, written one case at a time.
void write_case_data(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                     const EvalHtmlOptions& options, std::ostream& out) {
    const std::vector<std::string> metrics = metric_columns(summary);
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : summary.cells)
        cells.push_back(to_valid_utf8(cell.label));
    out << "{\"metrics\":" << dump_script_safe(metrics) << ",\"cells\":" << dump_script_safe(cells)
        << ",\"cases\":[";
    bool first = true;
    for (std::size_t ci = 0; ci < summary.cells.size(); ++ci)
        cases(summary.cells[ci], [&](const eval::CaseOutcome& c) {
            if (!first) out << ',';
            first = false;
            out << dump_script_safe(case_row(c, ci, metrics, options));
        });
    out << "]}";
}

void write_case_table(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                      const EvalHtmlOptions& options, std::ostream& out) {
    out << "<h2>Cases</h2><div class=\"controls\">"
           "<input id=\"case-filter\" type=\"search\" placeholder=\"Filter: case id, cell, "
           "output, error…\" aria-label=\"Filter cases\">"
           "<select id=\"verdict-filter\" aria-label=\"Verdict\"><option value=\"\">all "
           "verdicts</option><option value=\"pass\">pass</option><option value=\"fail\">fail"
           "</option><option value=\"error\">error</option></select>"
           "<select id=\"cell-filter\" aria-label=\"Cell\"><option value=\"\">all cells</option>";
    for (std::size_t i = 0; i < summary.cells.size(); ++i)
        out << fmt::format("<option value=\"{}\">{}</option>", i,
                           html_text(summary.cells[i].label));
    out << "</select><button id=\"prev-page\" type=\"button\">‹ previous</button>"
           "<button id=\"next-page\" type=\"button\">next ›</button>"
           "<span id=\"case-info\"></span></div>"
           "<noscript><p>The case table needs JavaScript.</p></noscript>"
           "<table id=\"cases\"><thead><tr id=\"case-head\"></tr></thead>"
           "<tbody id=\"case-rows\"></tbody></table>"
           "<p class=\"sub\">Verdicts: <b>fail</b> — answered, and a metric failed; "
           "<b>error</b> — no answer, or a metric could not be computed. Click an output to "
           "show all of it. Definitions: docs/reports.md.</p>";
    out << "<script type=\"application/json\" id=\"eval-cases\">";
    write_case_data(summary, cases, options, out);
    out << "</script><script>" << kScript << "</script>";
}

} // namespace

std::string script_safe_json(const std::string& json_text) {
    std::string out;
    out.reserve(json_text.size() + json_text.size() / 16);
    for (std::size_t i = 0; i < json_text.size(); ++i) {
        const char c = json_text[i];
        // These bytes occur only inside JSON strings, where a \u escape means the same.
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xE2' && i + 2 < json_text.size() && json_text[i + 1] == '\x80' &&
                   (json_text[i + 2] == '\xA8' || json_text[i + 2] == '\xA9')) {
            out += json_text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void write_eval_html_report(const eval::EvalRunSummary& summary, std::ostream& out,
                            const EvalHtmlOptions& options) {
    write_eval_html_report(summary, eval::loaded_cases(), out, options);
}

void write_eval_html_report(const eval::EvalRunSummary& summary, const eval::CellCases& cases,
                            std::ostream& out, const EvalHtmlOptions& options) {
    write_header(summary, out);
    write_thresholds(summary, out);
    write_cells(summary, out);
    write_baseline(summary, out);
    write_distributions(summary, cases, out);
    write_case_table(summary, cases, options, out);
    out << "<p class=\"sub\">Generated by llmops eval.</p></body></html>\n";
}

} // namespace llmops::report
