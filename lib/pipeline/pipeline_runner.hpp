#pragma once
// Runs (or plans) a pipeline: stages in dependency order, up to N processes at once; a stage
// whose key matches pipeline.lock and whose outputs are as recorded is skipped; one whose key
// is in the run cache gets its outputs restored; the rest run. Keys of downstream stages are
// computed once their upstream stages finish, so a stage whose upstream outputs came out
// unchanged is skipped too. lib/ prints nothing: progress comes back through events.
#include "pipeline/stage_graph.hpp"
#include "store/project.hpp"

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::pipeline {

struct PipelineOptions {
    std::vector<std::string> targets; // empty: every stage
    unsigned jobs = 1;
    bool dry = false; // plan only: nothing runs, nothing is recorded but the stat cache
    bool force = false;
    bool keep_going = false;
    std::filesystem::path llmops_exe;        // the binary llmops steps run as
    std::filesystem::path config_file;       // llmops.yaml (provider ids)
    std::filesystem::path lock_file;         // pipeline.lock
    const std::atomic<bool>* stop = nullptr; // Ctrl-C
    unsigned hash_threads = 0;               // 0: one per core
};

// The status words of docs/pipelines.md#statuses.
struct StageOutcome {
    std::string stage;
    std::string status; // unchanged, ran, restored, failed, blocked, not-started, would-run,
                        // would-restore, may-run
    std::string reason;
    std::string key;
    std::optional<int> exit_code;
    double seconds = 0;
};

struct PipelineEvents {
    std::function<void(const Stage&, const std::string& reason)> started;
    std::function<void(const StageOutcome&)> finished;
};

struct PipelineReport {
    std::int64_t run_id = 0;          // 0 when dry
    std::vector<StageOutcome> stages; // in the order they finished (dry: graph order)
    bool failed = false;
    bool interrupted = false;
    int killed_runs = 0; // earlier runs found dead and marked killed
    std::size_t stat_hits = 0;
    std::size_t stat_misses = 0;
    std::uint64_t bytes_read = 0;
    // Anything that would run, be restored or may run (dry); anything that ran or was restored.
    bool anything_to_do() const;
};

PipelineReport run_pipeline(store::Project& project, const StageGraph& graph,
                            const PipelineOptions& options, const PipelineEvents& events = {});

nlohmann::json to_json(const PipelineReport& report);

} // namespace llmops::pipeline
