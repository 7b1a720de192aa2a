#pragma once
// The figures of several selections of the request log over windows that all end at the same
// moment (the alert rules of one evaluation), from one pass over the rows of the longest window
// and, when a metric asks for feedback, one over their feedback. Each result is exactly what
// query_metrics gives for its selector and window (the same doubles, percentiles included), but
// only for the figures its metrics need: a latency no metric asks for is left empty (count 0),
// feedback is read only for feedback metrics, and the cost per user only for user_cost_usd.
// Reference: docs/monitoring.md#how-rules-are-evaluated.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "monitor/request_metrics.hpp"
#include "store/database.hpp"

namespace llmops::monitor {

struct WindowSelection {
    Selector selector;
    std::int64_t window_ms = 0;       // > 0; the window is [until - window_ms, until)
    std::vector<std::string> metrics; // alert metric names (alert_rules.hpp)
};

struct WindowFigures {
    Figures figures;
    std::optional<double> max_user_cost; // the most one user spent (user_cost_usd)
};

// One result per selection, in order. Throws Error(Usage) for a window that is not positive.
std::vector<WindowFigures> query_windows(store::Database& db, std::int64_t until_ms,
                                         const std::vector<WindowSelection>& selections);

} // namespace llmops::monitor
