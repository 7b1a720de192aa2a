#pragma once
// `llmops run`: one prompt version over one dataset version against one provider, recorded as
// a run. Everything is resolved and checked (references, variables, the API key, every row
// rendering) before the run is created, so bad input leaves the store as it was.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "run/run_executor.hpp"
#include "store/project.hpp"

namespace llmops::run {

struct PromptRunRequest {
    std::string prompt_ref;
    std::string data_ref;
    std::string provider_id;
    std::optional<std::int64_t> limit;            // the first N rows
    std::map<std::string, std::string> vars_text; // --var k=v, typed by the prompt's declarations
    provider::EngineOptions engine;
};

class PromptRun {
  public:
    // A new run (created in the store by the constructor once everything checked out).
    static PromptRun start(store::Project& project, const PromptRunRequest& request);
    // Finishes an interrupted or failed run: the rows never recorded, and with `retry_failed`
    // the failed ones too. Same prompt, data, provider and variables as the original.
    static PromptRun resume(store::Project& project, std::int64_t run_id,
                            provider::EngineOptions engine, bool retry_failed, bool force = false);

    PromptRun(PromptRun&&) noexcept;
    ~PromptRun();

    std::int64_t run_id() const { return run_id_; }
    // Cases this execution will send (all rows, or the missing ones of a resume).
    std::int64_t planned() const { return planned_; }
    ExecutionResult execute();
    RunProgress progress() const { return executor_->progress(); }
    void cancel() noexcept { executor_->cancel(); }

  private:
    struct Plan;
    explicit PromptRun(store::Project& project, std::unique_ptr<Plan> plan);
    // Throws Error(BadInput) for the first row that cannot render, counting all of them.
    static void check_rows_render(store::Project& project, const Plan& plan);

    store::Project* project_;
    std::unique_ptr<Plan> plan_;
    std::unique_ptr<RunExecutor> executor_;
    std::int64_t run_id_ = 0;
    std::int64_t planned_ = 0;
};

// A run's rows in row order, each with the `id` field of its dataset row ("" when the row has
// none, or the run's dataset was removed). fn returns false to stop.
void for_each_run_row_with_id(store::Project& project, const RunInfo& run,
                              const std::function<bool(const RunRow&, const std::string&)>& fn);

// `runs show --rows --json`: run_to_json plus "rows" with their ids (only the failed ones
// with failed_only).
nlohmann::json run_with_rows_json(store::Project& project, const RunInfo& run,
                                  const RunTotals& totals, bool failed_only, bool with_raw);

// Writes a run's rows in row order as JSON lines (run_row_to_json without the raw response).
void export_run_rows(store::Database& db, std::int64_t run_id, std::ostream& out);

} // namespace llmops::run
