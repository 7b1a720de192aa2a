#pragma once
// The value of a drift alert rule (docs/monitoring.md#drift-rules): `llmops drift` between the
// rule's selection of the request log over its window (current) and its reference (a dataset
// version, or the same selection over the window ending reference_offset earlier).
//   drift              1 when the dataset drift verdict is true, else 0
//   drift_share        drifted columns / tested columns
//   drift_score.COLUMN the column's score: its test statistic, or a text column's ROC AUC
#include <cstdint>
#include <optional>
#include <string>

#include "monitor/alert_rules.hpp"
#include "store/project.hpp"

namespace llmops::monitor {

struct DriftRuleValue {
    std::optional<double> value; // unset: nothing to compare (the note says why)
    std::string note;            // "current logs:qa@production [...) has no rows" ...
};

// Throws what opening the reference throws (an unknown dataset: BadInput); a comparison that
// cannot run (a side without rows, no column to test, a skipped column) gives no value and a
// note instead, as a window without requests does for the other metrics.
DriftRuleValue evaluate_drift_rule(store::Project& project, const AlertRule& rule,
                                   std::int64_t now_ms);

} // namespace llmops::monitor
