#pragma once
// Runs in store.db: a run is one prompt version over a list of cases (a dataset version's rows)
// against one provider; each case answered or failed is one run row. Rows are written in
// batches as they complete, so an interrupted run keeps what it had; the rows never written are
// what a resume redoes. Reference: docs/runs.md and docs/store-format.md.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/chat_types.hpp"
#include "store/database.hpp"

namespace llmops::run {

enum class RunStatus { Running, Completed, Interrupted, Failed };
std::string_view to_string(RunStatus status);
RunStatus run_status_from_string(std::string_view text);

struct RunInfo {
    std::int64_t id = 0;
    std::string kind; // "run" (llmops run) or "eval" (a cell of an eval run)
    std::int64_t prompt_version_id = 0;
    std::string prompt_ref; // "qa@3"
    std::optional<std::int64_t> dataset_version_id;
    std::string data_source; // "qa@2", or a file path
    std::string provider_id;
    nlohmann::json provider_config; // the resolved config without secrets
    nlohmann::json options;         // {"vars", "limit", "concurrency", ...}
    RunStatus status = RunStatus::Running;
    std::int64_t row_count = 0; // cases planned
    std::string created_at;
    std::string finished_at;
    double wall_s = 0;
};

// Totals over the rows recorded so far.
struct RunTotals {
    std::int64_t recorded = 0;
    std::int64_t succeeded = 0;
    std::int64_t failed = 0;
    std::int64_t cached = 0;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double cost_usd = 0;
    double latency_p50_ms = 0;
    double latency_p95_ms = 0;
};

// One case's outcome. `input` is the rendered request messages as JSON text.
struct RunRow {
    std::int64_t row_index = 0;
    std::string input;
    provider::ChatResult result;
    // A failure before any request (the prompt did not render for this row): kind "render".
    std::string render_error;

    bool ok() const { return render_error.empty() && result.ok(); }
    std::string error_kind() const;
    std::string error_message() const;
};

struct NewRun {
    std::string kind = "run";
    std::int64_t prompt_version_id = 0;
    std::optional<std::int64_t> dataset_version_id;
    std::string data_source;
    std::string provider_id;
    nlohmann::json provider_config;
    nlohmann::json options = nlohmann::json::object();
    std::int64_t row_count = 0;
};

// Needs a project opened for writing. Returns the new run's id.
std::int64_t create_run(store::Database& db, const NewRun& run);

// Appends rows in one transaction (a row index already recorded is replaced: a resume that
// retries failed rows overwrites them).
void record_rows(store::Database& db, std::int64_t run_id, const std::vector<RunRow>& rows);

void finish_run(store::Database& db, std::int64_t run_id, RunStatus status, double wall_s);

// Marks the run as running again before a resume.
void reopen_run(store::Database& db, std::int64_t run_id);

// A positive decimal number ("12"), as runs and eval runs are named; nullopt otherwise.
std::optional<std::int64_t> parse_run_number(std::string_view text);

// Throws Error(BadInput) for an unknown id (runs are referred to by number).
RunInfo load_run(store::Database& db, std::int64_t run_id);
RunInfo load_run(store::Database& db, std::string_view id_text);
// Newest first; kind "" = all kinds.
std::vector<RunInfo> list_runs(store::Database& db, std::string_view kind = "run",
                               std::size_t limit = 0);
RunTotals run_totals(store::Database& db, std::int64_t run_id);

// The number of rows recorded so far.
std::int64_t recorded_row_count(store::Database& db, std::int64_t run_id);

// Row indices already recorded; with `only_ok`, only the answered ones.
std::set<std::int64_t> recorded_rows(store::Database& db, std::int64_t run_id, bool only_ok);

// Rows in index order, read a page at a time: no statement is open while fn runs, so fn may
// write (scores, say). fn returns false to stop.
void for_each_run_row(store::Database& db, std::int64_t run_id,
                      const std::function<bool(const RunRow&)>& fn);

// Rows in index order, pulled one at a time: those after row index `after`, at most `limit`
// of them (0 = all). An open cursor holds a read transaction: a caller that writes reads a
// page (a limit), lets the cursor go, then writes.
class RunRowCursor {
  public:
    RunRowCursor(store::Database& db, std::int64_t run_id, std::int64_t after = -1,
                 std::size_t limit = 0);
    // Fills `row` (reusing its strings) with the next row; false at the end.
    bool next(RunRow& row);

  private:
    store::Statement query_;
};

nlohmann::json run_to_json(const RunInfo& run, const RunTotals& totals);
// `id`: the case's id (its dataset row's `id` field), written as "id" when not empty.
nlohmann::json run_row_to_json(const RunRow& row, bool with_raw, const std::string& id = {});
// `runs list --json`: run_to_json of each run with its totals.
nlohmann::json runs_to_json(store::Database& db, const std::vector<RunInfo>& runs);

} // namespace llmops::run
