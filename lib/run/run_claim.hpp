#pragma once
// Who runs a run or an eval run. Starting one records this process as its owner; resuming one
// claims it with a single write (BEGIN IMMEDIATE, then an UPDATE that only applies when status
// and owner are still what was checked), so of two resumes started together exactly one
// proceeds. Reference: docs/runs.md ("Resuming").
#include <cstdint>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace llmops::run {

enum class ClaimedTable { Runs, EvalRuns };

// The owner text of this process (core/process_owner), as stored in `owner`.
std::string this_owner();

struct ClaimRules {
    std::string_view what;       // "run" or "eval run", for messages
    bool allow_completed = true; // false: a completed one is refused (exit 2)
    bool force = false;          // take over one still marked running whose owner cannot run
};

// Marks row `id` running and owned by this process. Throws Error(Usage), the row unchanged,
// when it is still running: always when its owner is alive on this host, and without
// `rules.force` when the owner is gone (killed) or cannot be checked (another host).
void claim_for_resume(store::Database& db, ClaimedTable table, std::int64_t id,
                      const ClaimRules& rules);

// The same decision, read only: an early refusal before any work (the claim decides again).
void check_resumable(store::Database& db, ClaimedTable table, std::int64_t id,
                     const ClaimRules& rules);

} // namespace llmops::run
