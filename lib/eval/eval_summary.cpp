#include "eval/eval_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "eval/eval_case_outcomes.hpp"
#include "eval/eval_compare.hpp"
#include "eval/eval_store.hpp"
#include "eval/metrics/bleu_detail.hpp"
#include "run/run_store.hpp"
#include "stats/statistics.hpp"

namespace llmops::eval {

using nlohmann::json;

namespace {

// Counts per metric label over one cell's scores.
struct MetricCounts {
    std::size_t errors = 0, scored = 0, passed = 0, failed = 0;
};

std::map<std::string, MetricCounts> metric_counts(store::Database& db, std::int64_t eval_id,
                                                  int cell) {
    auto query =
        db.prepare("SELECT metric, count(CASE WHEN error != '' THEN 1 END),"
                   " count(CASE WHEN error = '' AND score IS NOT NULL THEN 1 END),"
                   " count(CASE WHEN passed = 1 THEN 1 END), count(CASE WHEN passed = 0 THEN 1 END)"
                   " FROM eval_scores WHERE eval_id = ? AND cell_index = ? GROUP BY metric");
    query.bind(1, eval_id).bind(2, cell);
    std::map<std::string, MetricCounts> out;
    while (query.step())
        out[query.column_text(0)] = {static_cast<std::size_t>(query.column_int(1)),
                                     static_cast<std::size_t>(query.column_int(2)),
                                     static_cast<std::size_t>(query.column_int(3)),
                                     static_cast<std::size_t>(query.column_int(4))};
    return out;
}

// The statistics of a metric's scores, read in ascending order (SQLite sorts in bounded
// memory), summed in that order as a sort in memory would.
void add_score_statistics(store::Database& db, std::int64_t eval_id, int cell, MetricAggregate& a) {
    if (a.scored == 0) return;
    auto query = db.prepare("SELECT score FROM eval_scores WHERE eval_id = ? AND cell_index = ?"
                            " AND metric = ? AND error = '' AND score IS NOT NULL ORDER BY score");
    query.bind(1, eval_id).bind(2, cell).bind(3, a.metric);
    stats::AscendingSample sample(a.scored, {50, 95});
    while (sample.seen() < a.scored && query.step())
        sample.add(query.column_double(0));
    if (sample.seen() < a.scored) return; // rows changed under us: leave the zeros
    a.mean = sample.sum() / static_cast<double>(a.scored);
    a.min = sample.min();
    a.max = sample.max();
    a.p50 = sample.percentile(0);
    a.p95 = sample.percentile(1);
}

// bleu: the cases' n-gram statistics, summed; cases scored before bleu kept them (or with a
// damaged detail) leave the cell without a corpus score rather than a wrong one.
void add_corpus_bleu(store::Database& db, std::int64_t eval_id, int cell, MetricAggregate& a) {
    if (a.scored == 0) return;
    auto query = db.prepare("SELECT detail FROM eval_scores WHERE eval_id = ? AND cell_index = ?"
                            " AND metric = ? AND error = '' AND score IS NOT NULL");
    query.bind(1, eval_id).bind(2, cell).bind(3, a.metric);
    BleuStats corpus;
    std::size_t cases = 0;
    while (query.step()) {
        auto stats = bleu_stats_from_json(json::parse(query.column_text(0), nullptr, false));
        if (!stats) return;
        corpus += *stats;
        ++cases;
    }
    if (cases == a.scored) a.corpus_bleu = bleu_from_stats(corpus, /*effective_order=*/false).score;
}

// Cases answered, and answered with no metric error or failure.
std::pair<std::size_t, std::size_t> answered_and_passed(store::Database& db, std::int64_t eval_id,
                                                        const StoredCell& cell,
                                                        std::int64_t case_count) {
    auto query =
        db.prepare("SELECT count(*), coalesce(sum(NOT EXISTS (SELECT 1 FROM eval_scores s"
                   " WHERE s.eval_id = ?1 AND s.cell_index = ?2 AND s.case_index = r.row_index"
                   " AND (s.error != '' OR s.passed = 0))), 0)"
                   " FROM run_rows r WHERE r.run_id = ?3 AND r.ok = 1 AND r.row_index < ?4");
    query.bind(1, eval_id).bind(2, cell.index).bind(3, cell.run_id).bind(4, case_count);
    query.step();
    return {static_cast<std::size_t>(query.column_int(0)),
            static_cast<std::size_t>(query.column_int(1))};
}

std::optional<double> statistic_of(const CellSummary& cell, const StoredThreshold& t, bool& upper) {
    upper = false;
    if (t.metric.empty()) return cell.pass_rate;
    for (const auto& m : cell.metrics) {
        if (m.metric != t.metric) continue;
        upper = m.lower_is_better && t.statistic != "pass_rate";
        if (t.statistic == "pass_rate") return m.pass_rate;
        if (m.scored == 0) return std::nullopt;
        if (t.statistic == "mean") return m.mean;
        if (t.statistic == "min") return m.min;
        if (t.statistic == "max") return m.max;
        if (t.statistic == "p50") return m.p50;
        if (t.statistic == "p95") return m.p95;
    }
    return std::nullopt;
}

bool applies_to(const StoredThreshold& t, int cell) {
    return t.cells.empty() || std::find(t.cells.begin(), t.cells.end(), cell) != t.cells.end();
}

CellSummary summarize_cell(store::Database& db, std::int64_t eval_id, const StoredCell& cell,
                           const EvalRunHeader& header, const SummaryOptions& options,
                           double& wall_s) {
    run::RunInfo info = run::load_run(db, cell.run_id);
    wall_s += info.wall_s;
    run::RunTotals totals = run::run_totals(db, cell.run_id);
    CellSummary c;
    c.index = cell.index;
    c.label = cell.label;
    c.prompt_ref = info.prompt_ref;
    c.provider_id = info.provider_id;
    c.run_id = cell.run_id;
    c.cases = static_cast<std::size_t>(header.case_count);
    c.prompt_tokens = totals.prompt_tokens;
    c.completion_tokens = totals.completion_tokens;
    c.cost_usd = totals.cost_usd;
    c.latency_p50_ms = totals.latency_p50_ms;
    c.latency_p95_ms = totals.latency_p95_ms;
    c.cached = static_cast<std::size_t>(totals.cached);

    auto [answered, passed] = answered_and_passed(db, eval_id, cell, header.case_count);
    c.passed = passed;
    c.failed = answered - passed;
    c.errors = c.cases - answered;
    c.pass_rate = c.cases ? static_cast<double>(c.passed) / static_cast<double>(c.cases) : 0;

    auto counts = metric_counts(db, eval_id, cell.index);
    for (const auto& metric : header.scoring.metrics) {
        MetricAggregate a;
        a.metric = metric.label;
        a.lower_is_better = metric.lower_is_better;
        if (auto it = counts.find(metric.label); it != counts.end()) {
            a.scored = it->second.scored;
            a.errors = it->second.errors;
            a.passed = it->second.passed;
            a.failed = it->second.failed;
        }
        if (a.passed + a.failed > 0)
            a.pass_rate = static_cast<double>(a.passed) / static_cast<double>(a.passed + a.failed);
        add_score_statistics(db, eval_id, cell.index, a);
        if (metric.name == "bleu") add_corpus_bleu(db, eval_id, cell.index, a);
        c.metrics.push_back(std::move(a));
    }

    if (options.with_cases) {
        CaseOutcomeReader reader(db, eval_id, cell.index, cell.run_id);
        CaseOutcome outcome;
        while (reader.next(outcome))
            if (!options.failed_only || !outcome.passed) c.case_outcomes.push_back(outcome);
    }
    return c;
}

} // namespace

EvalRunSummary load_summary(store::Database& db, std::int64_t eval_id,
                            const SummaryOptions& options) {
    EvalRunHeader header = load_eval_header(db, eval_id);
    EvalRunSummary summary;
    summary.id = header.id;
    summary.description = header.description;
    summary.spec_source = header.spec_source;
    summary.spec_hash = header.spec_hash;
    summary.data_source = header.data_source;
    summary.status = header.status;
    summary.created_at = header.created_at;
    summary.finished_at = header.finished_at;
    summary.case_count = static_cast<std::size_t>(header.case_count);

    for (const auto& cell : load_cells(db, eval_id))
        summary.cells.push_back(summarize_cell(db, eval_id, cell, header, options, summary.wall_s));

    // Without thresholds every case must pass, as in promptfoo.
    std::vector<StoredThreshold> thresholds = header.scoring.thresholds;
    if (thresholds.empty()) thresholds.push_back({"", "pass_rate", 1.0, {}});
    summary.passed = true;
    for (const auto& cell : summary.cells) {
        for (const auto& t : thresholds) {
            if (!applies_to(t, cell.index)) continue;
            ThresholdOutcome out;
            out.cell = cell.label;
            out.metric = t.metric;
            out.statistic = t.statistic;
            out.required = t.value;
            auto actual = statistic_of(cell, t, out.upper_bound);
            out.actual = actual.value_or(std::nan(""));
            out.met = actual && (out.upper_bound ? *actual <= t.value : *actual >= t.value);
            summary.passed = summary.passed && out.met;
            summary.thresholds.push_back(std::move(out));
        }
    }
    if (summary.cells.empty()) summary.passed = false;
    if (options.versus_baseline && !header.scoring.baseline.empty())
        summary.versus_baseline = compare_with_baseline(db, header);
    return summary;
}

namespace {

json number_or_null(double v) {
    return std::isnan(v) ? json() : json(v);
}

json case_to_json(const CaseOutcome& o) {
    json metrics = json::array();
    for (const auto& m : o.metrics) {
        json entry = {{"metric", m.metric}};
        entry["score"] = m.score ? json(*m.score) : json();
        entry["passed"] = m.passed ? json(*m.passed) : json();
        if (!m.reason.empty()) entry["reason"] = m.reason;
        if (!m.error.empty()) entry["error"] = m.error;
        metrics.push_back(std::move(entry));
    }
    json out = {{"case", o.case_index},
                {"id", o.case_id},
                {"passed", o.passed},
                {"output", o.output},
                {"latency_ms", o.latency_ms},
                {"prompt_tokens", o.prompt_tokens},
                {"completion_tokens", o.completion_tokens},
                {"cost_usd", o.cost_usd},
                {"cached", o.cached},
                {"metrics", metrics}};
    if (!o.error.empty()) out["error"] = o.error;
    if (!o.vars.is_null()) out["vars"] = o.vars;
    if (!o.input.empty()) out["input"] = json::parse(o.input, nullptr, false);
    return out;
}

} // namespace

json summary_to_json(const EvalRunSummary& s) {
    json cells = json::array();
    for (const auto& c : s.cells) {
        json metrics = json::array();
        for (const auto& m : c.metrics) {
            json entry = {{"metric", m.metric}, {"scored", m.scored},
                          {"errors", m.errors}, {"passed", m.passed},
                          {"failed", m.failed}, {"lower_is_better", m.lower_is_better}};
            entry["pass_rate"] = m.pass_rate ? json(*m.pass_rate) : json();
            for (auto [key, value] : {std::pair{"mean", m.mean},
                                      {"min", m.min},
                                      {"max", m.max},
                                      {"p50", m.p50},
                                      {"p95", m.p95}})
                entry[key] = m.scored ? json(value) : json();
            if (m.corpus_bleu) entry["corpus_bleu"] = *m.corpus_bleu;
            metrics.push_back(std::move(entry));
        }
        json cell = {{"index", c.index},
                     {"label", c.label},
                     {"prompt", c.prompt_ref},
                     {"provider", c.provider_id},
                     {"run", c.run_id},
                     {"cases", c.cases},
                     {"passed", c.passed},
                     {"failed", c.failed},
                     {"errors", c.errors},
                     {"pass_rate", c.pass_rate},
                     {"prompt_tokens", c.prompt_tokens},
                     {"completion_tokens", c.completion_tokens},
                     {"cost_usd", c.cost_usd},
                     {"latency_p50_ms", c.latency_p50_ms},
                     {"latency_p95_ms", c.latency_p95_ms},
                     {"cached", c.cached},
                     {"metrics", metrics}};
        if (!c.case_outcomes.empty()) {
            cell["cases_detail"] = json::array();
            for (const auto& o : c.case_outcomes)
                cell["cases_detail"].push_back(case_to_json(o));
        }
        cells.push_back(std::move(cell));
    }
    json thresholds = json::array();
    for (const auto& t : s.thresholds)
        thresholds.push_back({{"cell", t.cell},
                              {"metric", t.metric.empty() ? json() : json(t.metric)},
                              {"statistic", t.statistic},
                              {"required", t.required},
                              {"actual", number_or_null(t.actual)},
                              {"upper_bound", t.upper_bound},
                              {"met", t.met}});
    json out = {{"id", s.id},
                {"description", s.description},
                {"spec", s.spec_source},
                {"spec_hash", s.spec_hash},
                {"data", s.data_source},
                {"status", s.status},
                {"passed", s.passed},
                {"cases", s.case_count},
                {"created_at", s.created_at},
                {"finished_at", s.finished_at.empty() ? json() : json(s.finished_at)},
                {"wall_s", s.wall_s},
                {"cells", cells},
                {"thresholds", thresholds}};
    if (!s.versus_baseline.empty()) {
        json comparisons = json::array();
        for (const auto& c : s.versus_baseline)
            comparisons.push_back(cell_comparison_to_json(c));
        out["baseline"] = std::move(comparisons);
    }
    return out;
}

} // namespace llmops::eval
