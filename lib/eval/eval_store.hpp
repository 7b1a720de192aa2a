#pragma once
// Eval runs in store.db (schema 6): the run, its cells (each a run of kind "eval"), its cases
// and the score of every metric on every case in every cell. Aggregates and threshold outcomes
// are computed from these rows (eval_summary.hpp), so `eval run`, `eval show` and the reports
// agree.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/eval_result.hpp"
#include "store/database.hpp"

namespace llmops::eval {

// What scoring needs to remember about the spec: each metric's label and direction, and the
// thresholds. Stored with the run, so show and compare need no spec file.
struct ScoredMetric {
    std::string label;
    std::string name;
    bool lower_is_better = false;
};
struct StoredThreshold {
    std::string metric; // "" = the case pass rate
    std::string statistic;
    double value = 0;
    std::vector<int> cells{}; // the cells it applies to (indexes); empty = every cell
};
// A cell reported against its baseline cell (the spec's `baseline:`).
struct BaselinePair {
    int baseline = 0;
    int cell = 0;
};
struct Scoring {
    std::vector<ScoredMetric> metrics; // in metric_index order
    std::vector<StoredThreshold> thresholds;
    std::vector<BaselinePair> baseline;
    // The dataset rows come first, then the spec's inline cases: the index of the first
    // inline case (= the number of dataset rows). -1 = not recorded (older eval runs).
    std::int64_t first_inline_case = -1;
};
nlohmann::json scoring_to_json(const Scoring& scoring);
Scoring scoring_from_json(const nlohmann::json& value);

struct NewEvalRun {
    std::string description;
    std::string spec_source;
    std::string spec_hash;
    nlohmann::json spec;
    std::optional<std::int64_t> dataset_version_id;
    std::string data_source;
    std::int64_t case_count = 0;
    Scoring scoring;
};

struct StoredCase {
    std::int64_t index = 0;
    std::string id;
    std::string input_hash; // of the case's fields, for pairing runs without ids
    // The fields as JSON text: a tree costs about four times the text per case, and each
    // phase parses a case's fields only while it handles that case.
    std::string fields_json;
};

struct StoredCell {
    int index = 0;
    std::int64_t run_id = 0;
    std::string label;
};

struct ScoreRow {
    int cell = 0;
    std::int64_t case_index = 0;
    int metric_index = 0;
    std::string metric;
    std::optional<double> score;
    std::optional<bool> passed;
    std::string reason;
    std::string error;
    nlohmann::json detail;
};

// A stored eval run: what it was created with, and what became of it.
struct EvalRunHeader : NewEvalRun {
    std::int64_t id = 0;
    std::string status;
    std::optional<bool> passed;
    std::string created_at;
    std::string finished_at;
};

std::int64_t create_eval_run(store::Database& db, const NewEvalRun& run);
void record_cases(store::Database& db, std::int64_t eval_id, const std::vector<StoredCase>& cases);
// Once the cases are recorded: their number, and the scoring that depends on them.
void set_eval_plan(store::Database& db, std::int64_t eval_id, std::int64_t case_count,
                   const Scoring& scoring);
void add_cell(store::Database& db, std::int64_t eval_id, const StoredCell& cell);
void record_scores(store::Database& db, std::int64_t eval_id, const std::vector<ScoreRow>& scores);
void set_eval_status(store::Database& db, std::int64_t eval_id, std::string_view status);
void finish_eval_run(store::Database& db, std::int64_t eval_id, std::string_view status,
                     bool passed, const nlohmann::json& summary);

// Throws Error(BadInput) for an unknown id ("RUN" is a number, or "latest").
EvalRunHeader load_eval_header(store::Database& db, std::string_view id_text);
EvalRunHeader load_eval_header(store::Database& db, std::int64_t eval_id);
std::vector<EvalRunHeader> list_eval_runs(store::Database& db, std::size_t limit = 0);
// Every case, in index order (memory grows with the cases: for comparisons, which pair them).
std::vector<StoredCase> load_cases(store::Database& db, std::int64_t eval_id);
// One page of cases in index order: those after index `after`, at most `max` of them, and with
// `unanswered_in_run` (a run id) only those that run has no row for. The query is finished on
// return, so the caller may write to the store between pages.
std::vector<StoredCase> load_case_page(store::Database& db, std::int64_t eval_id,
                                       std::int64_t after, std::size_t max,
                                       std::int64_t unanswered_in_run = 0);
std::vector<StoredCell> load_cells(store::Database& db, std::int64_t eval_id);
// The prompt versions ("qa@3") and provider ids an eval run's cells used, each once, in cell
// order: what `eval list` shows.
struct EvalParticipants {
    std::vector<std::string> prompts;
    std::vector<std::string> providers;
};
EvalParticipants load_participants(store::Database& db, std::int64_t eval_id);
// The number of score rows per case of a cell, for the cases first..last.
std::map<std::int64_t, int> score_counts(store::Database& db, std::int64_t eval_id, int cell,
                                         std::int64_t first, std::int64_t last);

// `eval list --json`: [{"id", "description", "spec", "spec_hash", "data", "prompts",
// "providers", "cases", "status", "passed", "created_at"}].
nlohmann::json eval_runs_to_json(store::Database& db, const std::vector<EvalRunHeader>& runs);

} // namespace llmops::eval
