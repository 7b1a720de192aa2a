#pragma once
// Pipeline runs in the store (migration 13): one row per run, one per stage it finished.
// A stage row is written only once the stage has finished (or been skipped or restored), so
// a run killed mid-stage never records unfinished work as done.
#include "store/database.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmops::pipeline {

struct StageRecord {
    std::string stage;
    std::string status; // unchanged, ran, restored, failed, blocked
    std::string reason;
    std::string key;
    std::optional<int> exit_code;
    std::string started_at;
    std::string finished_at;
};

// Inserts a run in state "running", owned by this process. Runs left "running" by a process
// that is gone (kill -9, a crash) are marked "killed" first; returns how many were.
std::int64_t begin_run(store::Database& db, const std::string& pipeline_file,
                       const std::vector<std::string>& targets, int* killed_runs = nullptr);
void record_stage(store::Database& db, std::int64_t run_id, const StageRecord& record);
// status: succeeded, failed, interrupted.
void finish_run(store::Database& db, std::int64_t run_id, const std::string& status);

struct RunSummary {
    std::int64_t id = 0;
    std::string status;
    std::string started_at;
    std::optional<std::string> finished_at;
    std::vector<StageRecord> stages;
};
// Newest first.
std::vector<RunSummary> list_runs(store::Database& db, std::size_t limit);
// [{"id", "status", "started_at", "finished_at", "stages": [{"stage", "status",
// "reason", "exit_code"}]}] (docs/pipelines.md#json).
nlohmann::json to_json(const std::vector<RunSummary>& runs);

} // namespace llmops::pipeline
