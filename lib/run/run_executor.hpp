#pragma once
// Executes a run: renders the prompt for each case, sends the requests through the provider
// engine (concurrency, retries, rate limits, cache) and records every outcome in the store in
// batched transactions as it arrives. Rows the prompt cannot render are recorded as errors
// without a request; requests cut short by a cancel are not recorded, so a resume redoes them.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "prompt/prompt_render.hpp"
#include "provider/batch_runner.hpp"
#include "run/chat_request.hpp"
#include "run/run_store.hpp"
#include "store/database.hpp"

namespace llmops::run {

// One case: its position in the run and its prompt variables.
struct RunCase {
    std::int64_t index = 0;
    nlohmann::json variables;
    // Set when the variables could not be made (a field a mapping needs is missing): the case
    // is recorded as a failed row of kind "render" without a request.
    std::string error;
};
// Pulled when a request can start; nullopt at the end.
using CaseSource = std::function<std::optional<RunCase>()>;
// Sees every recorded row with its variables, on the thread that called execute().
using RowObserver = std::function<void(const RunRow& row, const nlohmann::json& variables)>;

struct ExecutorOptions {
    provider::EngineOptions engine;
    RequestOverrides overrides;
    std::size_t flush_rows = 512;                  // rows per write transaction
    std::chrono::milliseconds flush_interval{500}; // or sooner, when this much time passed
};

// Counters safe to read from another thread (a progress bar).
struct RunProgress {
    std::uint64_t done = 0; // rows recorded (answered, failed, or not renderable)
    std::uint64_t failed = 0;
    std::uint64_t cached = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t retries = 0;
};

struct ExecutionResult {
    RunStatus status = RunStatus::Completed; // Completed, or Interrupted after a cancel
    std::uint64_t recorded = 0;
    std::uint64_t failed = 0;
    double wall_s = 0;
};

class RunExecutor {
  public:
    // Reads the provider's API key now: a missing variable throws Error(Provider) before any
    // run is created.
    RunExecutor(store::Database& db, prompt::CompiledPromptPtr prompt,
                provider::ProviderConfig provider, ExecutorOptions options);
    ~RunExecutor();

    // Runs every case into run `run_id` and marks the run finished (completed or interrupted).
    // A fail-fast provider error (auth, unreachable endpoint) marks the run failed, keeps the
    // rows recorded so far and is rethrown; any other error marks it interrupted (resumable).
    ExecutionResult execute(std::int64_t run_id, const CaseSource& cases,
                            const RowObserver& observer = {});

    RunProgress progress() const;
    void cancel() noexcept;

  private:
    struct State;
    store::Database& db_;
    prompt::CompiledPromptPtr prompt_;
    ExecutorOptions options_;
    provider::BatchRunner runner_;
    std::unique_ptr<State> state_;
};

} // namespace llmops::run
