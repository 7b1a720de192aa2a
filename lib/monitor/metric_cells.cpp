// The cells of the monitor's figures and their merge (metric_cells.hpp).
#include "monitor/metric_cells.hpp"

#include <algorithm>
#include <climits>

namespace llmops::monitor {

std::uint32_t clamp_us(std::int64_t us) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, UINT32_MAX));
}

namespace {

LatencyFigures latency_of(const std::vector<const Cell*>& cells,
                          std::vector<std::uint32_t> Cell::*member,
                          std::vector<std::uint32_t>& scratch) {
    scratch.clear();
    for (const Cell* c : cells)
        scratch.insert(scratch.end(), (c->*member).begin(), (c->*member).end());
    LatencyFigures out;
    out.count = scratch.size();
    if (scratch.empty()) return out;
    auto p = percentiles_50_95_99(scratch);
    out.p50 = p[0] / 1000.0;
    out.p95 = p[1] / 1000.0;
    out.p99 = p[2] / 1000.0;
    return out;
}

} // namespace

Figures figures_of(const std::vector<const Cell*>& cells, double seconds,
                   std::vector<std::uint32_t>& scratch, const LatencyKinds& latencies) {
    Figures f;
    f.seconds = seconds;
    std::map<std::string, FeedbackCell> feedback;
    std::int64_t cost_nusd = 0;
    for (const Cell* c : cells) {
        f.requests += c->requests;
        f.errors += c->errors;
        f.successes += c->successes;
        f.cached += c->cached;
        f.flagged += c->flagged;
        f.prompt_tokens += c->prompt_tokens;
        f.completion_tokens += c->completion_tokens;
        cost_nusd += c->cost_nusd;
        for (const auto& [kind, n] : c->errors_by_kind)
            f.errors_by_kind[kind] += n;
        for (const auto& [name, fc] : c->feedback) {
            FeedbackCell& into = feedback[name];
            into.count += fc.count;
            into.numeric_count += fc.numeric_count;
            into.sum += fc.sum;
            for (const auto& [value, n] : fc.categories)
                into.categories[value] += n;
        }
    }
    f.cost_usd = static_cast<double>(cost_nusd) / 1e9;
    if (seconds > 0) {
        f.requests_per_second = static_cast<double>(f.requests) / seconds;
        f.output_tokens_per_second = static_cast<double>(f.completion_tokens) / seconds;
    }
    if (f.requests) f.error_rate = static_cast<double>(f.errors) / static_cast<double>(f.requests);
    if (f.requests)
        f.flagged_rate = static_cast<double>(f.flagged) / static_cast<double>(f.requests);
    if (f.successes)
        f.cache_hit_rate = static_cast<double>(f.cached) / static_cast<double>(f.successes);
    if (latencies.total) f.total_ms = latency_of(cells, &Cell::total_us, scratch);
    if (latencies.upstream) f.upstream_ms = latency_of(cells, &Cell::upstream_us, scratch);
    if (latencies.queue) f.queue_ms = latency_of(cells, &Cell::queue_us, scratch);
    if (latencies.ttft) f.ttft_ms = latency_of(cells, &Cell::ttft_us, scratch);
    for (auto& [name, fc] : feedback) {
        FeedbackFigures out;
        out.name = name;
        out.count = fc.count;
        out.numeric_count = fc.numeric_count;
        if (fc.numeric_count) out.mean = fc.sum / static_cast<double>(fc.numeric_count);
        out.categories = std::move(fc.categories);
        f.feedback.push_back(std::move(out));
    }
    return f;
}

StringTable::StringTable(store::Database& db)
    : by_value_(db.prepare("SELECT id FROM log_strings WHERE value = ?1")),
      by_id_(db.prepare("SELECT value FROM log_strings WHERE id = ?1")) {}

std::optional<std::int64_t> StringTable::id_of(const std::string& value) {
    by_value_.bind(1, value);
    std::optional<std::int64_t> id;
    if (by_value_.step()) id = by_value_.column_int(0);
    by_value_.reset();
    return id;
}

const std::string& StringTable::value_of(std::int64_t id) {
    auto it = values_.find(id);
    if (it != values_.end()) return it->second;
    by_id_.bind(1, id);
    std::string value = by_id_.step() ? by_id_.column_text(0) : std::string("(unknown)");
    by_id_.reset();
    return values_.emplace(id, std::move(value)).first->second;
}

} // namespace llmops::monitor
