#pragma once
// What query_metrics and query_windows share: the cell a row lands in (what one group, bucket
// or window band saw), the Figures of merged cells, and the interned names of log_strings. Only
// lib/monitor uses this header. Formulas: docs/monitoring.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "monitor/request_metrics.hpp"
#include "store/database.hpp"

namespace llmops::monitor {

struct FeedbackCell {
    std::uint64_t count = 0, numeric_count = 0;
    double sum = 0;
    std::map<std::string, std::uint64_t> categories;
};

// Latencies are kept in whole microseconds, as stored.
struct Cell {
    std::uint64_t requests = 0, errors = 0, successes = 0, cached = 0, flagged = 0;
    std::uint64_t prompt_tokens = 0, completion_tokens = 0;
    std::int64_t cost_nusd = 0;
    std::map<std::string, std::uint64_t> errors_by_kind;
    std::vector<std::uint32_t> total_us, upstream_us, queue_us, ttft_us;
    std::map<std::string, FeedbackCell> feedback;
};

std::uint32_t clamp_us(std::int64_t us);

// Which latencies to compute (each costs a selection over its values).
struct LatencyKinds {
    bool total = true, upstream = true, queue = true, ttft = true;
};

// The figures of the merged cells over `seconds`. Percentiles are of the values of every cell
// together (selection does not depend on their order); feedback sums are added cell by cell in
// the order given. A latency not in `latencies` is left empty (count 0).
Figures figures_of(const std::vector<const Cell*>& cells, double seconds,
                   std::vector<std::uint32_t>& scratch, const LatencyKinds& latencies = {});

// Strings of log_strings, both ways, looked up on first use.
class StringTable {
  public:
    explicit StringTable(store::Database& db);
    std::optional<std::int64_t> id_of(const std::string& value);
    const std::string& value_of(std::int64_t id);

  private:
    store::Statement by_value_, by_id_;
    std::unordered_map<std::int64_t, std::string> values_;
};

} // namespace llmops::monitor
