#pragma once
// A selection of the request log as a side of `llmops drift` (drift/column_source.hpp): the
// requests of a route and environment over a time window, one row per request with the fields
// of docs/drift.md#the-request-log-as-a-side: the rendered input variables (each under its own
// name), `input` (the last user message), `output` (the answer's text), latencies, tokens,
// cost, status, and `feedback.NAME`. Variables and texts need bodies logged in full
// (`serve --log-bodies full`); without them those fields are missing.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drift/column_source.hpp"
#include "monitor/request_metrics.hpp"
#include "store/database.hpp"

namespace llmops::monitor {

struct LogSelection {
    Selector selector;         // env and route used (empty: any)
    std::int64_t since_ms = 0; // inclusive
    std::int64_t until_ms = 0; // exclusive
};

// The fields every log row may hold besides its variables, in order.
const std::vector<std::string>& log_row_fields();

class LogColumnSource : public drift::ColumnSource {
  public:
    // Reads the selection once to count its rows and find the variable and feedback names.
    LogColumnSource(store::Database& db, LogSelection selection, std::string label);
    std::string label() const override { return label_; }
    std::optional<std::int64_t> row_count() const override { return rows_; }
    // Variables, then log_row_fields(), then feedback.NAME.
    std::vector<std::string> fields() const override;
    // The input variables, or `input` when no request had variables.
    std::vector<std::string> default_fields() const override;
    void for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) override;

  private:
    // Calls fn(row object) for each request of the selection, oldest first.
    void read(const std::function<bool(const nlohmann::json&)>& fn);

    store::Database& db_;
    LogSelection selection_;
    std::string label_;
    std::int64_t rows_ = 0;
    std::vector<std::string> variables_, feedback_names_;
    bool matches_nothing_ = false;
    std::optional<std::int64_t> env_id_, route_id_;
};

} // namespace llmops::monitor
