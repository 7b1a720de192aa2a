#pragma once
// The summary of a stored eval run: per cell aggregates (pass counts, metric statistics),
// threshold outcomes and, with a `baseline:`, each cell against its baseline. Computed from
// the stored rows by SQL aggregates and ordered reads, so memory does not grow with the cases;
// the cases themselves are read on demand (eval_case_outcomes.hpp).
#include <cstdint>

#include <nlohmann/json.hpp>

#include "eval/eval_result.hpp"
#include "store/database.hpp"

namespace llmops::eval {

struct SummaryOptions {
    bool with_cases = false;     // fill each cell's case_outcomes (memory grows with the cases)
    bool failed_only = false;    // with_cases: only cases that did not pass
    bool versus_baseline = true; // compare the cells the spec's `baseline:` pairs
};

// Throws Error(BadInput) for an unknown eval run.
EvalRunSummary load_summary(store::Database& db, std::int64_t eval_id,
                            const SummaryOptions& options = {});

nlohmann::json summary_to_json(const EvalRunSummary& summary);

} // namespace llmops::eval
