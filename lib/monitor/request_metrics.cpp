// query_metrics: one pass over the request rows of the window (a range of their time-ordered
// primary key), one over the feedback of those requests, and one GROUP BY for the cost per
// user. Rows land in cells (group × bucket); totals merge cells. Formulas: docs/monitoring.md.
#include "monitor/request_metrics.hpp"

#include "monitor/metric_cells.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "serve/request_log.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <unordered_map>

namespace llmops::monitor {

namespace {

constexpr std::int64_t kMaxBuckets = 10000;

} // namespace

std::array<double, 3> percentiles_50_95_99(std::vector<std::uint32_t>& values) {
    // The rule of stats (numpy 'linear') by selection, the largest rank first: after each
    // step [0, bound) holds the `bound` smallest values, so the next selection looks there only.
    static constexpr double qs[3] = {50, 95, 99};
    std::array<double, 3> out{};
    const auto first = values.begin();
    std::size_t bound = values.size();
    std::optional<double> at_bound; // the value of rank `bound`, once known
    for (int i = 2; i >= 0; --i) {
        stats::PercentileRank rank = stats::percentile_rank(values.size(), qs[i]);
        std::nth_element(first, first + static_cast<std::ptrdiff_t>(rank.lower),
                         first + static_cast<std::ptrdiff_t>(bound));
        double low = values[rank.lower];
        double high = low;
        if (rank.fraction > 0) {
            std::size_t next = rank.lower + 1;
            if (next < bound) {
                high = *std::min_element(first + static_cast<std::ptrdiff_t>(next),
                                         first + static_cast<std::ptrdiff_t>(bound));
            } else {
                if (!at_bound)
                    at_bound =
                        *std::min_element(first + static_cast<std::ptrdiff_t>(bound), values.end());
                high = *at_bound;
            }
        }
        out[static_cast<std::size_t>(i)] = stats::interpolate_percentile(low, high, rank.fraction);
        if (rank.lower + 1 < bound) {
            at_bound = rank.fraction > 0 ? std::optional<double>(high) : std::nullopt;
            bound = rank.lower + 1;
        }
    }
    return out;
}

namespace {

// The WHERE clause of a selector on request_rows aliased `r`, from ?3 on; false when a name
// it asks for was never logged (nothing can match).
struct SelectorSql {
    std::string where;
    std::vector<std::int64_t> values;
    bool matches_nothing = false;
};

SelectorSql selector_sql(const Selector& s, StringTable& strings) {
    SelectorSql out;
    auto add = [&out](const char* column, std::int64_t value) {
        out.values.push_back(value);
        out.where += fmt::format(" AND r.{} = ?{}", column, out.values.size() + 2);
    };
    auto add_string = [&](const char* column, const std::string& value) {
        if (value.empty()) return;
        auto id = strings.id_of(value);
        if (!id)
            out.matches_nothing = true;
        else
            add(column, *id);
    };
    add_string("env", s.env);
    add_string("route", s.route);
    add_string("provider", s.provider);
    add_string("model", s.model);
    add_string("key_name", s.key);
    if (s.release) add("release_number", *s.release);
    if (s.status) add("status", *s.status);
    return out;
}

void bind_selector(store::Statement& st, const SelectorSql& sql) {
    for (std::size_t i = 0; i < sql.values.size(); ++i)
        st.bind(static_cast<int>(i + 3), sql.values[i]);
}

// The columns a group is computed from, in this order after the caller's own.
constexpr const char* kGroupColumns =
    "r.route, r.release_number, r.provider, r.model, r.key_name, r.status";

class Grouper {
  public:
    Grouper(GroupBy by, StringTable& strings) : by_(by), strings_(strings) {}

    // The group index of the row whose group columns start at `first`.
    std::size_t group_of(const store::Statement& st, int first) {
        if (by_ == GroupBy::None) {
            if (keys_.empty()) keys_.emplace_back("all");
            return 0;
        }
        auto optional_int = [&st](int column) -> std::int64_t {
            return st.is_null(column) ? -1 : st.column_int(column);
        };
        std::int64_t code = 0;
        switch (by_) {
        case GroupBy::Route:
            code = optional_int(first);
            break;
        case GroupBy::Release:
            // Route id and release number (each + 1, so that NULL is 0), and the provider when
            // there is no release (passthrough).
            code = ((optional_int(first) + 1) << 40) | ((optional_int(first + 1) + 1) << 20) |
                   (st.is_null(first + 1) ? optional_int(first + 2) + 1 : 0);
            break;
        case GroupBy::Provider:
            code = optional_int(first + 2);
            break;
        case GroupBy::Model:
            code = optional_int(first + 3);
            break;
        case GroupBy::Key:
            code = optional_int(first + 4);
            break;
        default:
            code = optional_int(first + 5);
            break;
        }
        auto it = index_.find(code);
        if (it != index_.end()) return it->second;
        std::string key = key_of(st, first);
        // Two codes may name one key (a release without a route): share the group.
        auto same = std::find(keys_.begin(), keys_.end(), key);
        std::size_t index = static_cast<std::size_t>(same - keys_.begin());
        if (same == keys_.end()) keys_.push_back(std::move(key));
        index_.emplace(code, index);
        return index;
    }

    const std::vector<std::string>& keys() const { return keys_; }

  private:
    std::string name_at(const store::Statement& st, int column) {
        return st.is_null(column) ? std::string("(none)")
                                  : strings_.value_of(st.column_int(column));
    }

    std::string key_of(const store::Statement& st, int first) {
        switch (by_) {
        case GroupBy::Route:
            return name_at(st, first);
        case GroupBy::Release: {
            if (st.is_null(first + 1)) {
                // No release: a passthrough request names its provider, others none.
                if (!st.is_null(first + 2))
                    return "passthrough:" + strings_.value_of(st.column_int(first + 2));
                return "(none)";
            }
            return fmt::format("{}@{}", name_at(st, first), st.column_int(first + 1));
        }
        case GroupBy::Provider:
            return name_at(st, first + 2);
        case GroupBy::Model:
            return name_at(st, first + 3);
        case GroupBy::Key:
            return name_at(st, first + 4);
        default:
            return std::to_string(st.column_int(first + 5));
        }
    }

    GroupBy by_;
    StringTable& strings_;
    std::unordered_map<std::int64_t, std::size_t> index_;
    std::vector<std::string> keys_;
};

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
    std::int64_t q = value / step;
    if (value % step != 0 && value < 0) --q;
    return q * step;
}

} // namespace

GroupBy parse_group_by(const std::string& text) {
    static const std::map<std::string, GroupBy> words = {
        {"route", GroupBy::Route}, {"release", GroupBy::Release}, {"provider", GroupBy::Provider},
        {"model", GroupBy::Model}, {"key", GroupBy::Key},         {"status", GroupBy::Status}};
    auto it = words.find(text);
    if (it == words.end())
        throw_usage("--by: expected route, release, provider, model, key or status, got '" + text +
                    "'");
    return it->second;
}

std::string to_string(GroupBy group_by) {
    switch (group_by) {
    case GroupBy::Route:
        return "route";
    case GroupBy::Release:
        return "release";
    case GroupBy::Provider:
        return "provider";
    case GroupBy::Model:
        return "model";
    case GroupBy::Key:
        return "key";
    case GroupBy::Status:
        return "status";
    default:
        return "none";
    }
}

MetricsReport query_metrics(store::Database& db, const MetricsQuery& query) {
    if (query.until_ms <= query.since_ms)
        throw_usage(fmt::format("the window is empty: --since {} is not before --until {}",
                                iso8601_from_ms(query.since_ms), iso8601_from_ms(query.until_ms)));
    const std::int64_t bucket = query.bucket_ms;
    const std::int64_t first_bucket =
        bucket > 0 ? floor_to(query.since_ms, bucket) : query.since_ms;
    const std::int64_t bucket_count =
        bucket > 0 ? (query.until_ms - first_bucket + bucket - 1) / bucket : 1;
    if (bucket < 0 || bucket_count > kMaxBuckets)
        throw_usage(fmt::format("--bucket makes {} buckets of the window; at most {}", bucket_count,
                                kMaxBuckets));

    MetricsReport report;
    report.query = query;
    StringTable strings(db);
    SelectorSql where = selector_sql(query.selector, strings);
    Grouper grouper(query.group_by, strings);
    std::unordered_map<std::int64_t, Cell> cells; // group * bucket_count + bucket
    auto cell_of = [&](const store::Statement& st, std::int64_t id,
                       int first_group_column) -> Cell& {
        std::size_t group = grouper.group_of(st, first_group_column);
        std::int64_t b = bucket > 0 ? (serve::request_id_ms(id) - first_bucket) / bucket : 0;
        return cells[static_cast<std::int64_t>(group) * bucket_count + b];
    };
    const std::int64_t from_id = serve::first_request_id_at(query.since_ms);
    const std::int64_t to_id = serve::first_request_id_at(query.until_ms);

    if (!where.matches_nothing) {
        auto rows = db.prepare(
            std::string("SELECT r.id, r.error_kind, r.total_us, r.queue_us, r.upstream_us, "
                        "r.ttft_us, r.prompt_tokens, r.completion_tokens, r.cost_nusd, r.cached, "
                        "r.flags, ") +
            kGroupColumns + " FROM request_rows r WHERE r.id >= ?1 AND r.id < ?2" + where.where);
        rows.bind(1, from_id).bind(2, to_id);
        bind_selector(rows, where);
        while (rows.step()) {
            Cell& c = cell_of(rows, rows.column_int(0), 11);
            ++c.requests;
            const int status = static_cast<int>(rows.column_int(16));
            if (!rows.is_null(1)) {
                ++c.errors;
                ++c.errors_by_kind[strings.value_of(rows.column_int(1))];
            }
            if (status < 400) ++c.successes;
            c.total_us.push_back(clamp_us(rows.column_int(2)));
            c.queue_us.push_back(clamp_us(rows.column_int(3)));
            c.upstream_us.push_back(clamp_us(rows.column_int(4)));
            if (!rows.is_null(5)) c.ttft_us.push_back(clamp_us(rows.column_int(5)));
            c.prompt_tokens +=
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows.column_int(6)));
            c.completion_tokens +=
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows.column_int(7)));
            c.cost_nusd += rows.column_int(8);
            if (rows.column_int(9) != 0) ++c.cached;
            if (rows.column_int(10) != 0) ++c.flagged;
        }

        auto feedback = db.prepare(
            std::string(
                "SELECT f.request_id, f.name, f.value_type, f.value_number, f.value_text, ") +
            kGroupColumns +
            " FROM request_feedback f JOIN request_rows r ON r.id = f.request_id "
            "WHERE f.request_id >= ?1 AND f.request_id < ?2" +
            where.where);
        feedback.bind(1, from_id).bind(2, to_id);
        bind_selector(feedback, where);
        while (feedback.step()) {
            Cell& c = cell_of(feedback, feedback.column_int(0), 5);
            FeedbackCell& fc = c.feedback[feedback.column_text(1)];
            ++fc.count;
            if (feedback.column_text(2) == "category") {
                ++fc.categories[feedback.column_text(4)];
            } else {
                ++fc.numeric_count;
                fc.sum += feedback.column_double(3);
            }
        }
    }

    // Totals: seconds are the part of each bucket inside the window.
    auto bucket_seconds = [&](std::int64_t b) {
        std::int64_t start = std::max(first_bucket + b * bucket, query.since_ms);
        std::int64_t end = std::min(first_bucket + (b + 1) * bucket, query.until_ms);
        return static_cast<double>(end - start) / 1000.0;
    };
    const double window_seconds = static_cast<double>(query.until_ms - query.since_ms) / 1000.0;
    std::vector<std::uint32_t> scratch;
    const auto group_count = static_cast<std::int64_t>(grouper.keys().size());
    auto cells_where = [&](std::optional<std::int64_t> group, std::optional<std::int64_t> b) {
        std::vector<const Cell*> out;
        for (std::int64_t g = 0; g < group_count; ++g) {
            if (group && g != *group) continue;
            for (std::int64_t i = 0; i < bucket_count; ++i) {
                if (b && i != *b) continue;
                auto it = cells.find(g * bucket_count + i);
                if (it != cells.end()) out.push_back(&it->second);
            }
        }
        return out;
    };
    report.total = figures_of(cells_where(std::nullopt, std::nullopt), window_seconds, scratch);
    if (bucket > 0)
        for (std::int64_t b = 0; b < bucket_count; ++b)
            report.buckets.push_back(
                {first_bucket + b * bucket,
                 figures_of(cells_where(std::nullopt, b), bucket_seconds(b), scratch)});
    if (query.group_by != GroupBy::None) {
        for (std::int64_t g = 0; g < group_count; ++g) {
            GroupSeries series;
            series.key = grouper.keys()[static_cast<std::size_t>(g)];
            series.total = figures_of(cells_where(g, std::nullopt), window_seconds, scratch);
            if (bucket > 0)
                for (std::int64_t b = 0; b < bucket_count; ++b)
                    series.buckets.push_back(
                        {first_bucket + b * bucket,
                         figures_of(cells_where(g, b), bucket_seconds(b), scratch)});
            report.groups.push_back(std::move(series));
        }
        std::sort(report.groups.begin(), report.groups.end(),
                  [](const GroupSeries& a, const GroupSeries& b) { return a.key < b.key; });
    }

    // Cost per user over the rolling window ending at `until`.
    const std::int64_t user_window =
        query.user_window_ms > 0 ? query.user_window_ms : query.until_ms - query.since_ms;
    report.user_window_start_ms = query.until_ms - user_window;
    if (!where.matches_nothing && query.top_users > 0) {
        auto users = db.prepare(
            "SELECT r.user_hash, COUNT(*), SUM(r.cost_nusd) AS cost FROM request_rows r "
            "WHERE r.id >= ?1 AND r.id < ?2 AND r.user_hash IS NOT NULL" +
            where.where + " GROUP BY r.user_hash ORDER BY cost DESC, r.user_hash LIMIT " +
            std::to_string(query.top_users));
        users.bind(1, serve::first_request_id_at(report.user_window_start_ms)).bind(2, to_id);
        bind_selector(users, where);
        while (users.step())
            report.top_users.push_back(
                {fmt::format("{:016x}", static_cast<std::uint64_t>(users.column_int(0))),
                 static_cast<std::uint64_t>(users.column_int(1)),
                 static_cast<double>(users.column_int(2)) / 1e9});
    }
    return report;
}

} // namespace llmops::monitor
