#include "eval/eval_store.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/time.hpp"
#include "run/run_claim.hpp"
#include "run/run_store.hpp"

namespace llmops::eval {

using nlohmann::json;

json scoring_to_json(const Scoring& scoring) {
    json metrics = json::array();
    for (const auto& m : scoring.metrics)
        metrics.push_back(
            {{"label", m.label}, {"name", m.name}, {"lower_is_better", m.lower_is_better}});
    json thresholds = json::array();
    for (const auto& t : scoring.thresholds) {
        json entry = {{"metric", t.metric}, {"statistic", t.statistic}, {"value", t.value}};
        if (!t.cells.empty()) entry["cells"] = t.cells;
        thresholds.push_back(std::move(entry));
    }
    json out = {{"metrics", metrics}, {"thresholds", thresholds}};
    if (!scoring.baseline.empty()) {
        json pairs = json::array();
        for (const auto& p : scoring.baseline)
            pairs.push_back({{"baseline", p.baseline}, {"cell", p.cell}});
        out["baseline"] = std::move(pairs);
    }
    if (scoring.first_inline_case >= 0) out["first_inline_case"] = scoring.first_inline_case;
    return out;
}

Scoring scoring_from_json(const json& value) {
    Scoring scoring;
    for (const auto& m : value.at("metrics"))
        scoring.metrics.push_back({m.at("label").get<std::string>(),
                                   m.at("name").get<std::string>(),
                                   m.at("lower_is_better").get<bool>()});
    for (const auto& t : value.at("thresholds"))
        scoring.thresholds.push_back(
            {t.at("metric").get<std::string>(), t.at("statistic").get<std::string>(),
             t.at("value").get<double>(), t.value("cells", std::vector<int>{})});
    if (auto pairs = value.find("baseline"); pairs != value.end())
        for (const auto& p : *pairs)
            scoring.baseline.push_back({p.at("baseline").get<int>(), p.at("cell").get<int>()});
    scoring.first_inline_case = value.value("first_inline_case", std::int64_t{-1});
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

void set_eval_plan(store::Database& db, std::int64_t eval_id, std::int64_t case_count,
                   const Scoring& scoring) {
    auto update = db.prepare("UPDATE eval_runs SET case_count = ?, scoring = ? WHERE id = ?");
    update.bind(1, case_count).bind(2, scoring_to_json(scoring).dump()).bind(3, eval_id);
    update.run();
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
        "INSERT INTO eval_scores (eval_id, cell_index, case_index, metric_index, metric, score, "
        "passed, reason, error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (eval_id, cell_index, case_index, metric_index) DO UPDATE SET "
        "metric = excluded.metric, score = excluded.score, passed = excluded.passed, "
        "reason = excluded.reason, error = excluded.error, detail = excluded.detail");
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

std::vector<StoredCase> load_case_page(store::Database& db, std::int64_t eval_id,
                                       std::int64_t after, std::size_t max,
                                       std::int64_t unanswered_in_run) {
    auto query =
        db.prepare("SELECT c.case_index, c.case_id, c.input_hash, c.vars FROM eval_cases c"
                   " WHERE c.eval_id = ?1 AND c.case_index > ?2 AND (?3 = 0 OR NOT EXISTS ("
                   "SELECT 1 FROM run_rows r WHERE r.run_id = ?3 AND r.row_index = c.case_index))"
                   " ORDER BY c.case_index LIMIT ?4");
    query.bind(1, eval_id)
        .bind(2, after)
        .bind(3, unanswered_in_run)
        .bind(4, static_cast<std::int64_t>(max));
    std::vector<StoredCase> out;
    while (query.step())
        out.push_back({query.column_int(0), query.column_text(1), query.column_text(2),
                       query.column_text(3)});
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

std::map<std::int64_t, int> score_counts(store::Database& db, std::int64_t eval_id, int cell,
                                         std::int64_t first, std::int64_t last) {
    auto query = db.prepare("SELECT case_index, count(*) FROM eval_scores WHERE eval_id = ? AND"
                            " cell_index = ? AND case_index BETWEEN ? AND ? GROUP BY case_index");
    query.bind(1, eval_id).bind(2, cell).bind(3, first).bind(4, last);
    std::map<std::int64_t, int> out;
    while (query.step())
        out[query.column_int(0)] = static_cast<int>(query.column_int(1));
    return out;
}

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

} // namespace llmops::eval
