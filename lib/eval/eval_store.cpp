#include "eval/eval_store.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/time.hpp"
#include "eval/metrics/bleu_detail.hpp"
#include "run/run_claim.hpp"
#include "run/run_store.hpp"
#include "stats/statistics.hpp"

namespace llmops::eval {

using nlohmann::json;

json scoring_to_json(const Scoring& scoring) {
    json metrics = json::array();
    for (const auto& m : scoring.metrics)
        metrics.push_back(
            {{"label", m.label}, {"name", m.name}, {"lower_is_better", m.lower_is_better}});
    json thresholds = json::array();
    for (const auto& t : scoring.thresholds)
        thresholds.push_back(
            {{"metric", t.metric}, {"statistic", t.statistic}, {"value", t.value}});
    return {{"metrics", metrics}, {"thresholds", thresholds}};
}

Scoring scoring_from_json(const json& value) {
    Scoring scoring;
    for (const auto& m : value.at("metrics"))
        scoring.metrics.push_back({m.at("label").get<std::string>(),
                                   m.at("name").get<std::string>(),
                                   m.at("lower_is_better").get<bool>()});
    for (const auto& t : value.at("thresholds"))
        scoring.thresholds.push_back({t.at("metric").get<std::string>(),
                                      t.at("statistic").get<std::string>(),
                                      t.at("value").get<double>()});
    return scoring;
}

std::int64_t create_eval_run(store::Database& db, const NewEvalRun& run) {
    auto insert = db.prepare(
        "INSERT INTO eval_runs (description, spec_source, spec_hash, spec, dataset_version_id,"
        " data_source, case_count, scoring, status, created_at, owner)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)");
    insert.bind(1, run.description)
        .bind(2, run.spec_source)
        .bind(3, run.spec_hash)
        .bind(4, run.spec.dump())
        .bind(5, run.dataset_version_id)
        .bind(6, run.data_source)
        .bind(7, run.case_count)
        .bind(8, scoring_to_json(run.scoring).dump())
        .bind(9, now_iso8601())
        .bind(10, run::this_owner());
    insert.run();
    return db.last_insert_rowid();
}

void record_cases(store::Database& db, std::int64_t eval_id, const std::vector<StoredCase>& cases) {
    auto insert = db.prepare("INSERT INTO eval_cases (eval_id, case_index, case_id, input_hash, "
                             "vars) VALUES (?, ?, ?, ?, ?)");
    for (const auto& c : cases) {
        insert.bind(1, eval_id)
            .bind(2, c.index)
            .bind(3, c.id)
            .bind(4, c.input_hash)
            .bind(5, c.fields_json);
        insert.run();
        insert.reset();
    }
}

void add_cell(store::Database& db, std::int64_t eval_id, const StoredCell& cell) {
    auto insert = db.prepare(
        "INSERT INTO eval_cells (eval_id, cell_index, run_id, label) VALUES (?, ?, ?, ?)");
    insert.bind(1, eval_id).bind(2, cell.index).bind(3, cell.run_id).bind(4, cell.label);
    insert.run();
}

void record_scores(store::Database& db, std::int64_t eval_id, const std::vector<ScoreRow>& scores) {
    if (scores.empty()) return;
    store::Transaction tx(db);
    auto insert = db.prepare(
        "INSERT OR REPLACE INTO eval_scores (eval_id, cell_index, case_index, metric_index, metric,"
        " score, passed, reason, error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& s : scores) {
        insert.bind(1, eval_id)
            .bind(2, s.cell)
            .bind(3, s.case_index)
            .bind(4, s.metric_index)
            .bind(5, s.metric)
            .bind(6, s.score);
        if (s.passed)
            insert.bind(7, *s.passed ? 1 : 0);
        else
            insert.bind_null(7);
        insert.bind(8, s.reason)
            .bind(9, s.error)
            .bind(10, s.detail.is_null()
                          ? std::string()
                          : s.detail.dump(-1, ' ', false, json::error_handler_t::replace));
        insert.run();
        insert.reset();
    }
    tx.commit();
}

void set_eval_status(store::Database& db, std::int64_t eval_id, std::string_view status) {
    auto update = db.prepare("UPDATE eval_runs SET status = ?, finished_at = NULL WHERE id = ?");
    update.bind(1, status).bind(2, eval_id);
    update.run();
}

void finish_eval_run(store::Database& db, std::int64_t eval_id, std::string_view status,
                     bool passed, const json& summary) {
    auto update = db.prepare(
        "UPDATE eval_runs SET status = ?, passed = ?, summary = ?, finished_at = ? WHERE id = ?");
    update.bind(1, status)
        .bind(2, passed ? 1 : 0)
        .bind(3, summary.dump(-1, ' ', false, json::error_handler_t::replace))
        .bind(4, now_iso8601())
        .bind(5, eval_id);
    update.run();
}

namespace {

constexpr std::string_view kHeaderColumns =
    "SELECT id, description, spec_source, spec_hash, spec, dataset_version_id, data_source,"
    " case_count, scoring, status, passed, created_at, finished_at FROM eval_runs";

EvalRunHeader read_header(const store::Statement& row) {
    EvalRunHeader h;
    h.id = row.column_int(0);
    h.description = row.column_text(1);
    h.spec_source = row.column_text(2);
    h.spec_hash = row.column_text(3);
    h.spec = json::parse(row.column_text(4));
    if (!row.is_null(5)) h.dataset_version_id = row.column_int(5);
    h.data_source = row.column_text(6);
    h.case_count = row.column_int(7);
    h.scoring = scoring_from_json(json::parse(row.column_text(8)));
    h.status = row.column_text(9);
    if (!row.is_null(10)) h.passed = row.column_int(10) != 0;
    h.created_at = row.column_text(11);
    h.finished_at = row.column_optional_text(12).value_or("");
    return h;
}

MetricAggregate aggregate(const ScoredMetric& metric, std::vector<double> scores,
                          std::size_t passed, std::size_t failed, std::size_t errors) {
    MetricAggregate a;
    a.metric = metric.label;
    a.lower_is_better = metric.lower_is_better;
    a.scored = scores.size();
    a.errors = errors;
    a.passed = passed;
    a.failed = failed;
    if (passed + failed > 0)
        a.pass_rate = static_cast<double>(passed) / static_cast<double>(passed + failed);
    if (!scores.empty()) {
        std::sort(scores.begin(), scores.end());
        double sum = 0;
        for (double v : scores)
            sum += v;
        a.mean = sum / static_cast<double>(scores.size());
        a.min = scores.front();
        a.max = scores.back();
        a.p50 = stats::percentile(scores, 50);
        a.p95 = stats::percentile(scores, 95);
    }
    return a;
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

} // namespace

EvalRunHeader load_eval_header(store::Database& db, std::int64_t eval_id) {
    auto query = db.prepare(std::string(kHeaderColumns) + " WHERE id = ?");
    query.bind(1, eval_id);
    if (!query.step())
        throw Error(ErrorKind::BadInput, "no eval run " + std::to_string(eval_id), {},
                    "run 'llmops eval list' to see the eval runs");
    return read_header(query);
}

EvalRunHeader load_eval_header(store::Database& db, std::string_view id_text) {
    if (id_text == "latest") {
        auto query = db.prepare(std::string(kHeaderColumns) + " ORDER BY id DESC LIMIT 1");
        if (!query.step()) throw Error(ErrorKind::BadInput, "there are no eval runs yet");
        return read_header(query);
    }
    auto id = run::parse_run_number(id_text);
    if (!id)
        throw Error(ErrorKind::BadInput,
                    "'" + std::string(id_text) + "' is not an eval run id (a number, or latest)",
                    {}, "run 'llmops eval list' to see the eval runs");
    return load_eval_header(db, *id);
}

std::vector<EvalRunHeader> list_eval_runs(store::Database& db, std::size_t limit) {
    std::string sql = std::string(kHeaderColumns) + " ORDER BY id DESC";
    if (limit > 0) sql += " LIMIT " + std::to_string(limit);
    auto query = db.prepare(sql);
    std::vector<EvalRunHeader> out;
    while (query.step())
        out.push_back(read_header(query));
    return out;
}

std::vector<StoredCase> load_cases(store::Database& db, std::int64_t eval_id) {
    auto query = db.prepare("SELECT case_index, case_id, input_hash, vars FROM eval_cases WHERE "
                            "eval_id = ? ORDER BY case_index");
    query.bind(1, eval_id);
    std::vector<StoredCase> out;
    while (query.step())
        out.push_back({query.column_int(0), query.column_text(1), query.column_text(2),
                       query.column_text(3)});
    return out;
}

std::vector<StoredCell> load_cells(store::Database& db, std::int64_t eval_id) {
    auto query = db.prepare(
        "SELECT cell_index, run_id, label FROM eval_cells WHERE eval_id = ? ORDER BY cell_index");
    query.bind(1, eval_id);
    std::vector<StoredCell> out;
    while (query.step())
        out.push_back(
            {static_cast<int>(query.column_int(0)), query.column_int(1), query.column_text(2)});
    return out;
}

EvalParticipants load_participants(store::Database& db, std::int64_t eval_id) {
    EvalParticipants out;
    auto add_once = [](std::vector<std::string>& list, std::string item) {
        if (std::find(list.begin(), list.end(), item) == list.end())
            list.push_back(std::move(item));
    };
    for (const auto& cell : load_cells(db, eval_id)) {
        run::RunInfo info = run::load_run(db, cell.run_id);
        add_once(out.prompts, info.prompt_ref);
        add_once(out.providers, info.provider_id);
    }
    return out;
}

std::map<std::int64_t, int> score_counts(store::Database& db, std::int64_t eval_id, int cell) {
    auto query = db.prepare(
        "SELECT case_index, count(*) FROM eval_scores WHERE eval_id = ? AND cell_index = ?"
        " GROUP BY case_index");
    query.bind(1, eval_id).bind(2, cell);
    std::map<std::int64_t, int> out;
    while (query.step())
        out[query.column_int(0)] = static_cast<int>(query.column_int(1));
    return out;
}

namespace {

EvalRunSummary summary_of_header(const EvalRunHeader& header) {
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
    return summary;
}

// One metric of one cell: what aggregate() needs, and bleu's corpus statistics.
struct MetricTally {
    std::vector<double> values;
    std::size_t passed = 0, failed = 0, errors = 0;
    // bleu: the cases' n-gram statistics, summed; cases scored before bleu kept them (or
    // with a damaged detail) leave the run without a corpus score rather than a wrong one.
    std::optional<BleuStats> corpus;
    std::size_t corpus_cases = 0;
};

// A cell being summarised: its tallies and, per case, whether the run answered it, whether a
// metric failed or errored, and (with_cases) its outcome.
struct CellTally {
    std::vector<MetricTally> metrics;
    std::vector<bool> answered;
    std::vector<bool> metric_trouble;
    std::vector<CaseOutcome> outcomes;
};

// The run rows of the cell: answered flags and, with cases, each case's answer.
void read_run_rows(store::Database& db, std::int64_t run_id, const std::vector<StoredCase>& cases,
                   bool with_cases, CellTally& tally) {
    const std::size_t case_count = tally.answered.size();
    run::for_each_run_row(db, run_id, [&](const run::RunRow& row) {
        auto i = static_cast<std::size_t>(row.row_index);
        if (i >= case_count) return true;
        tally.answered[i] = row.ok();
        if (!with_cases) return true;
        CaseOutcome& o = tally.outcomes[i];
        o.error = row.ok() ? std::string() : row.error_kind() + ": " + row.error_message();
        o.latency_ms = row.result.latency_ms;
        o.prompt_tokens = row.result.prompt_tokens;
        o.completion_tokens = row.result.completion_tokens;
        o.cost_usd = row.result.cost_usd;
        o.cached = row.result.cached;
        o.output = row.result.text;
        o.input = row.input;
        o.vars = json::parse(cases[i].fields_json);
        return true;
    });
}

// The score rows of the cell, into the metric tallies and (with cases) the outcomes.
void read_scores(store::Database& db, std::int64_t eval_id, int cell_index,
                 const std::map<std::string, std::size_t>& metric_slot, bool with_cases,
                 CellTally& tally) {
    const std::size_t case_count = tally.answered.size();
    auto scores = db.prepare(
        "SELECT case_index, metric, score, passed, reason, error, detail FROM eval_scores"
        " WHERE eval_id = ? AND cell_index = ? ORDER BY case_index, metric_index");
    scores.bind(1, eval_id).bind(2, cell_index);
    while (scores.step()) {
        auto i = static_cast<std::size_t>(scores.column_int(0));
        if (i >= case_count) continue;
        MetricOutcome m;
        m.metric = scores.column_text(1);
        if (!scores.is_null(2)) m.score = scores.column_double(2);
        if (!scores.is_null(3)) m.passed = scores.column_int(3) != 0;
        m.reason = scores.column_text(4);
        m.error = scores.column_text(5);
        if (!m.error.empty() || (m.passed && !*m.passed)) tally.metric_trouble[i] = true;
        auto slot = metric_slot.find(m.metric);
        if (slot != metric_slot.end()) {
            MetricTally& t = tally.metrics[slot->second];
            if (!m.error.empty())
                ++t.errors;
            else if (m.score)
                t.values.push_back(*m.score);
            if (t.corpus && m.score && m.error.empty())
                if (auto stats =
                        bleu_stats_from_json(json::parse(scores.column_text(6), nullptr, false))) {
                    *t.corpus += *stats;
                    ++t.corpus_cases;
                }
            if (m.passed) ++(*m.passed ? t.passed : t.failed);
        }
        if (with_cases) tally.outcomes[i].metrics.push_back(std::move(m));
    }
}

// Passed, failed and errors of the cell's cases, and its metric aggregates.
void finish_cell(CellSummary& c, const Scoring& scoring, CellTally& tally,
                 const SummaryOptions& options) {
    for (std::size_t i = 0; i < tally.answered.size(); ++i) {
        bool passed_case = tally.answered[i] && !tally.metric_trouble[i];
        if (options.with_cases) tally.outcomes[i].passed = passed_case;
        if (passed_case)
            ++c.passed;
        else if (tally.answered[i])
            ++c.failed;
        else
            ++c.errors;
    }
    c.pass_rate = c.cases ? static_cast<double>(c.passed) / static_cast<double>(c.cases) : 0;
    for (std::size_t s = 0; s < tally.metrics.size(); ++s) {
        MetricTally& t = tally.metrics[s];
        c.metrics.push_back(
            aggregate(scoring.metrics[s], std::move(t.values), t.passed, t.failed, t.errors));
        if (t.corpus && c.metrics.back().scored > 0 && t.corpus_cases == c.metrics.back().scored)
            c.metrics.back().corpus_bleu =
                bleu_from_stats(*t.corpus, /*effective_order=*/false).score;
    }
    if (options.with_cases)
        for (auto& o : tally.outcomes)
            if (!options.failed_only || !o.passed) c.case_outcomes.push_back(std::move(o));
}

CellSummary summarize_cell(store::Database& db, const EvalRunHeader& header, const StoredCell& cell,
                           const run::RunInfo& info, const std::vector<StoredCase>& cases,
                           std::size_t case_count, const SummaryOptions& options) {
    run::RunTotals totals = run::run_totals(db, cell.run_id);
    CellSummary c;
    c.index = cell.index;
    c.label = cell.label;
    c.prompt_ref = info.prompt_ref;
    c.provider_id = info.provider_id;
    c.run_id = cell.run_id;
    c.cases = case_count;
    c.prompt_tokens = totals.prompt_tokens;
    c.completion_tokens = totals.completion_tokens;
    c.cost_usd = totals.cost_usd;
    c.latency_p50_ms = totals.latency_p50_ms;
    c.latency_p95_ms = totals.latency_p95_ms;
    c.cached = static_cast<std::size_t>(totals.cached);

    // Every case of the cell, filled from its run row and its score rows.
    CellTally tally;
    tally.answered.assign(case_count, false);
    tally.metric_trouble.assign(case_count, false);
    tally.outcomes.resize(cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        tally.outcomes[i].case_index = cases[i].index;
        tally.outcomes[i].case_id = cases[i].id;
        tally.outcomes[i].error = "not run";
    }
    read_run_rows(db, cell.run_id, cases, options.with_cases, tally);

    const auto& metrics = header.scoring.metrics;
    std::map<std::string, std::size_t> metric_slot;
    tally.metrics.resize(metrics.size());
    for (std::size_t s = 0; s < metrics.size(); ++s) {
        metric_slot[metrics[s].label] = s;
        if (metrics[s].name == "bleu") tally.metrics[s].corpus = BleuStats{};
    }
    read_scores(db, header.id, cell.index, metric_slot, options.with_cases, tally);
    finish_cell(c, header.scoring, tally, options);
    return c;
}

// Every cell against every threshold; without thresholds every case must pass, as in
// promptfoo.
void apply_thresholds(EvalRunSummary& summary, const Scoring& scoring) {
    std::vector<StoredThreshold> thresholds = scoring.thresholds;
    if (thresholds.empty()) thresholds.push_back({"", "pass_rate", 1.0});
    summary.passed = true;
    for (const auto& cell : summary.cells) {
        for (const auto& t : thresholds) {
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
}

} // namespace

EvalRunSummary load_summary(store::Database& db, std::int64_t eval_id,
                            const SummaryOptions& options) {
    EvalRunHeader header = load_eval_header(db, eval_id);
    EvalRunSummary summary = summary_of_header(header);
    // The totals need a few flags per case; texts are read only when the cases are asked for.
    std::vector<StoredCase> cases;
    if (options.with_cases) cases = load_cases(db, eval_id);
    const std::size_t case_count = options.with_cases ? cases.size() : summary.case_count;
    for (const auto& cell : load_cells(db, eval_id)) {
        run::RunInfo info = run::load_run(db, cell.run_id);
        summary.wall_s += info.wall_s;
        summary.cells.push_back(summarize_cell(db, header, cell, info, cases, case_count, options));
    }
    apply_thresholds(summary, header.scoring);
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

json eval_runs_to_json(store::Database& db, const std::vector<EvalRunHeader>& runs) {
    json out = json::array();
    for (const auto& r : runs) {
        EvalParticipants used = load_participants(db, r.id);
        out.push_back({{"id", r.id},
                       {"description", r.description},
                       {"spec", r.spec_source},
                       {"spec_hash", r.spec_hash},
                       {"data", r.data_source},
                       {"prompts", used.prompts},
                       {"providers", used.providers},
                       {"cases", r.case_count},
                       {"status", r.status},
                       {"passed", r.passed ? json(*r.passed) : json()},
                       {"created_at", r.created_at}});
    }
    return out;
}

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
    return {{"id", s.id},
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
}

} // namespace llmops::eval
