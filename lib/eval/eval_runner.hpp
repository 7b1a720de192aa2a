#pragma once
// `llmops eval run`: every cell of the prompts × providers matrix answers every case (a run of
// kind "eval" per cell, through the provider engine and its cache), then every metric scores
// every answered case; LLM judges are batched through the engine too. All of it is recorded,
// so an interrupted eval resumes where it stopped. Reference: docs/eval.md.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eval/eval_cases.hpp"
#include "eval/eval_result.hpp"
#include "eval/eval_spec.hpp"
#include "store/project.hpp"

namespace llmops::eval {

struct EvalRunOptions {
    std::optional<long> limit;              // overrides the spec's `limit`
    std::optional<std::size_t> concurrency; // overrides the spec's `concurrency` (default 8)
    bool no_cache = false;
    bool force = false; // resume: take over an eval still marked running whose process is gone
    const std::atomic<bool>* cancel = nullptr; // set by a SIGINT handler
    std::function<void(std::string_view)> log; // verbose lines (requests, retries)
    Retriever retriever;                       // fills `retrieve` variables
};

struct EvalProgress {
    std::string phase; // "answer" or "judge"
    int cell = 0;      // 1-based
    int cells = 0;
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    std::uint64_t errors = 0;
    std::uint64_t cached = 0;
};

class EvalRunner {
  public:
    // Checks everything (prompts, providers and their keys, metrics, cases) and only then
    // records the eval run, its cases and its cells in one transaction.
    static EvalRunner start(store::Project& project, EvalSpec spec, EvalRunOptions options);
    // Continues an interrupted eval run: the answers never recorded, then the scores missing.
    static EvalRunner resume(store::Project& project, std::string_view eval_id,
                             EvalRunOptions options);

    EvalRunner(EvalRunner&&) noexcept;
    ~EvalRunner();

    std::int64_t eval_id() const;
    std::size_t case_count() const;
    std::size_t cell_count() const;

    // Runs to the end (or the cancel flag) and returns the summary (status "completed" or
    // "interrupted"). Provider failures that stop a cell (auth, unreachable) propagate as
    // Error(Provider) after the eval run is marked "failed"; any other error propagates after
    // it is marked "interrupted" (a resume finishes it).
    EvalRunSummary execute();

    EvalProgress progress() const; // safe from another thread

  private:
    struct State;
    explicit EvalRunner(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace llmops::eval
