#pragma once
// Eval runs in store.db (schema 6): the run, its cells (each a run of kind "eval"), its cases
// and the score of every metric on every case in every cell. Aggregates and threshold outcomes
// are computed from these rows, so `eval run`, `eval show` and the reports agree.
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
};
struct Scoring {
    std::vector<ScoredMetric> metrics; // in metric_index order
    std::vector<StoredThreshold> thresholds;
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
void add_cell(store::Database& db, std::int64_t eval_id, const StoredCell& cell);
void record_scores(store::Database& db, std::int64_t eval_id, const std::vector<ScoreRow>& scores);
void set_eval_status(store::Database& db, std::int64_t eval_id, std::string_view status);
void finish_eval_run(store::Database& db, std::int64_t eval_id, std::string_view status,
                     bool passed, const nlohmann::json& summary);

// Throws Error(BadInput) for an unknown id ("RUN" is a number, or "latest").
EvalRunHeader load_eval_header(store::Database& db, std::string_view id_text);
EvalRunHeader load_eval_header(store::Database& db, std::int64_t eval_id);
std::vector<EvalRunHeader> list_eval_runs(store::Database& db, std::size_t limit = 0);
std::vector<StoredCase> load_cases(store::Database& db, std::int64_t eval_id);
std::vector<StoredCell> load_cells(store::Database& db, std::int64_t eval_id);
// The prompt versions ("qa@3") and provider ids an eval run's cells used, each once, in cell
// order: what `eval list` shows.
struct EvalParticipants {
    std::vector<std::string> prompts;
    std::vector<std::string> providers;
};
EvalParticipants load_participants(store::Database& db, std::int64_t eval_id);
// Cases of a cell that already have a score row for every metric they need (`needed` gives
// the count per case).
std::map<std::int64_t, int> score_counts(store::Database& db, std::int64_t eval_id, int cell);

struct SummaryOptions {
    bool with_cases = false;
    bool failed_only = false; // with_cases: only cases that did not pass
};
// Aggregates per cell and threshold outcomes, from the stored rows.
EvalRunSummary load_summary(store::Database& db, std::int64_t eval_id,
                            const SummaryOptions& options = {});

nlohmann::json summary_to_json(const EvalRunSummary& summary);
// `eval list --json`: [{"id", "description", "spec", "spec_hash", "data", "prompts",
// "providers", "cases", "status", "passed", "created_at"}].
nlohmann::json eval_runs_to_json(store::Database& db, const std::vector<EvalRunHeader>& runs);

} // namespace llmops::eval
