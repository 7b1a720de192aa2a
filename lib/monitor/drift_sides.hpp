#pragma once
// The sides of `llmops drift` (docs/drift.md#sides): a dataset reference, a plain file, or a
// selection of the request log, `logs:ROUTE[@ENV][:SINCE[..UNTIL]]`.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drift/column_source.hpp"
#include "monitor/log_column_source.hpp"
#include "store/project.hpp"

namespace llmops::monitor {

// A `logs:` side as a selection, nullopt for a side that does not start with "logs:".
// ROUTE is a route name or `*` (any); ENV an environment (default: any); SINCE and UNTIL are
// durations ago or ISO 8601 times (default: the last 24 hours). Error(Usage) naming the side
// for anything malformed or an empty window.
std::optional<LogSelection> parse_log_side(const std::string& side, std::int64_t now_ms);

// The label of a log selection: "logs:qa@production [2026-12-05T10:00:00.000Z, ...)".
std::string log_side_label(const LogSelection& selection);

// Opens a side: `logs:` a log selection; `file:PATH`, or a path ending in .csv, .jsonl,
// .ndjson or .json that exists, a plain file; anything else a dataset reference.
std::unique_ptr<drift::ColumnSource> open_drift_side(store::Project& project,
                                                     const std::string& side, std::int64_t now_ms);

} // namespace llmops::monitor
