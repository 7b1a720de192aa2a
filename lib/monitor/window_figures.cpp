// query_windows: rules are grouped by selector; each selector's distinct windows cut time into
// bands (band k: rows in window k but not in the shorter window k - 1). One scan of the longest
// window puts each row into the band of every selector it matches; window k's figures merge
// bands 0..k. Counts and sums are integers and percentiles are selections, so merging bands
// gives exactly the figures of one pass over the window. Feedback means are sums of doubles,
// whose rounding depends on the order of addition: they are summed per window, row by row in
// the order query_metrics reads them, not per band.
#include "monitor/window_figures.hpp"

#include "core/error.hpp"
#include "monitor/metric_cells.hpp"
#include "serve/request_log.hpp"

#include <algorithm>

namespace llmops::monitor {

namespace {

struct Needs {
    LatencyKinds latencies{false, false, false, false};
    bool feedback = false;
    bool users = false;

    void add(const Needs& o) {
        latencies.total |= o.latencies.total;
        latencies.upstream |= o.latencies.upstream;
        latencies.queue |= o.latencies.queue;
        latencies.ttft |= o.latencies.ttft;
        feedback |= o.feedback;
        users |= o.users;
    }
};

Needs needs_of(const std::string& metric) {
    Needs n;
    auto starts = [&metric](const char* prefix) { return metric.rfind(prefix, 0) == 0; };
    n.latencies.total = starts("latency_p");
    n.latencies.upstream = starts("upstream_p");
    n.latencies.queue = starts("queue_p");
    n.latencies.ttft = starts("ttft_p");
    n.feedback = starts("feedback_");
    n.users = metric == "user_cost_usd";
    return n;
}

// Nano-USD per user hash: open addressing with linear probing, as the cost per user adds up a
// day of rows (a third of the time went to std::unordered_map here).
class UserCosts {
  public:
    void add(std::uint64_t user, std::int64_t nusd) {
        if (2 * (size_ + 1) > slots_.size()) grow();
        Slot& s = find(user);
        if (!s.used) {
            s = {user, 0, true};
            ++size_;
        }
        s.nusd += nusd;
    }

    template <typename Fn> void for_each(Fn&& fn) const {
        for (const Slot& s : slots_)
            if (s.used) fn(s.user, s.nusd);
    }

  private:
    struct Slot {
        std::uint64_t user = 0;
        std::int64_t nusd = 0;
        bool used = false;
    };

    Slot& find(std::uint64_t user) {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = static_cast<std::size_t>((user * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
        while (slots_[i].used && slots_[i].user != user)
            i = (i + 1) & mask;
        return slots_[i];
    }

    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
        for (const Slot& s : old)
            if (s.used) find(s.user) = s;
    }

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

// The columns of the scans, after the caller's own: what a selector tests.
constexpr const char* kSelectorColumns =
    "r.env, r.route, r.release_number, r.provider, r.model, r.key_name, r.status";

// A selector with its names resolved to log_strings ids.
struct ResolvedSelector {
    bool matches_nothing = false; // it names a string never logged
    std::optional<std::int64_t> env, route, release, provider, model, key, status;

    ResolvedSelector(const Selector& s, StringTable& strings) {
        auto resolve = [&](const std::string& value, std::optional<std::int64_t>& into) {
            if (value.empty()) return;
            into = strings.id_of(value);
            if (!into) matches_nothing = true;
        };
        resolve(s.env, env);
        resolve(s.route, route);
        resolve(s.provider, provider);
        resolve(s.model, model);
        resolve(s.key, key);
        release = s.release;
        if (s.status) status = *s.status;
    }

    // Whether the row whose selector columns start at `first` matches (NULL matches no value,
    // as in SQL).
    bool matches(const store::Statement& st, int first) const {
        const std::optional<std::int64_t>* wanted[] = {&env,   &route, &release, &provider,
                                                       &model, &key,   &status};
        for (int i = 0; i < 7; ++i) {
            if (!*wanted[i]) continue;
            if (st.is_null(first + i) || st.column_int(first + i) != **wanted[i]) return false;
        }
        return true;
    }
};

struct Window {
    std::int64_t ms = 0;
    std::int64_t from_id = 0;
    Needs needs;              // of the metrics asked over this window
    Needs band_needs;         // of this window and every longer one: what rows of its band keep
    Cell band;                // rows in this window and not in the next shorter one
    Cell feedback;            // every feedback of the window, summed in reading order
    UserCosts band_user_cost; // of the band's rows
};

struct Selection {
    Selector selector;
    ResolvedSelector resolved;
    std::vector<Window> windows; // ascending length, distinct
    Needs needs;

    // The band of a row: the shortest window holding it, or nullopt.
    std::optional<std::size_t> band_of(std::int64_t id) const {
        for (std::size_t k = 0; k < windows.size(); ++k)
            if (id >= windows[k].from_id) return k;
        return std::nullopt;
    }
};

} // namespace

std::vector<WindowFigures> query_windows(store::Database& db, std::int64_t until_ms,
                                         const std::vector<WindowSelection>& selections) {
    StringTable strings(db);
    const std::int64_t to_id = serve::first_request_id_at(until_ms);
    std::vector<Selection> groups;
    std::vector<std::pair<std::size_t, std::size_t>> where; // each selection: group, window
    for (const auto& s : selections) {
        if (s.window_ms <= 0) throw_usage("a window must be longer than 0");
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&s](const Selection& x) { return x.selector == s.selector; });
        if (g == groups.end()) {
            groups.push_back({s.selector, ResolvedSelector(s.selector, strings), {}, {}});
            g = groups.end() - 1;
        }
        Needs needs;
        for (const auto& metric : s.metrics)
            needs.add(needs_of(metric));
        auto w = std::find_if(g->windows.begin(), g->windows.end(),
                              [&s](const Window& x) { return x.ms == s.window_ms; });
        if (w == g->windows.end()) {
            Window fresh;
            fresh.ms = s.window_ms;
            fresh.from_id = serve::first_request_id_at(until_ms - s.window_ms);
            g->windows.push_back(std::move(fresh));
            w = g->windows.end() - 1;
        }
        w->needs.add(needs);
        g->needs.add(needs);
        where.emplace_back(static_cast<std::size_t>(g - groups.begin()), 0);
    }
    std::int64_t from_id = to_id;
    // The env id every live selection asks for, -1 when they differ or one asks for none: the
    // scans then filter by it in SQL.
    std::int64_t common_env = -1;
    bool first_env = true;
    std::vector<Selection*> live;
    for (auto& g : groups) {
        std::sort(g.windows.begin(), g.windows.end(),
                  [](const Window& a, const Window& b) { return a.ms < b.ms; });
        Needs longer;
        for (auto w = g.windows.rbegin(); w != g.windows.rend(); ++w) {
            longer.add(w->needs);
            w->band_needs = longer;
        }
        if (g.resolved.matches_nothing) continue;
        live.push_back(&g);
        from_id = std::min(from_id, g.windows.back().from_id);
        const std::int64_t env = g.resolved.env.value_or(-1);
        if (first_env)
            common_env = env;
        else if (common_env != env)
            common_env = -1;
        first_env = false;
    }
    for (std::size_t i = 0; i < selections.size(); ++i) {
        const auto& ws = groups[where[i].first].windows;
        where[i].second = static_cast<std::size_t>(
            std::find_if(ws.begin(), ws.end(),
                         [&](const Window& w) { return w.ms == selections[i].window_ms; }) -
            ws.begin());
    }

    const std::string env_filter = common_env >= 0 ? " AND r.env = ?3" : "";
    if (!live.empty()) {
        auto rows = db.prepare(
            std::string("SELECT r.id, r.error_kind, r.total_us, r.queue_us, r.upstream_us, "
                        "r.ttft_us, r.prompt_tokens, r.completion_tokens, r.cost_nusd, r.cached, "
                        "r.user_hash, r.flags, ") +
            kSelectorColumns + " FROM request_rows r WHERE r.id >= ?1 AND r.id < ?2" + env_filter);
        rows.bind(1, from_id).bind(2, to_id);
        if (common_env >= 0) rows.bind(3, common_env);
        constexpr int kFirstSelectorColumn = 12;
        while (rows.step()) {
            const std::int64_t id = rows.column_int(0);
            for (Selection* g : live) {
                auto k = g->band_of(id);
                if (!k || !g->resolved.matches(rows, kFirstSelectorColumn)) continue;
                Window& w = g->windows[*k];
                const Needs& n = w.band_needs;
                Cell& c = w.band;
                ++c.requests;
                if (!rows.is_null(1)) {
                    ++c.errors;
                    ++c.errors_by_kind[strings.value_of(rows.column_int(1))];
                }
                if (rows.column_int(kFirstSelectorColumn + 6) < 400) ++c.successes;
                if (n.latencies.total) c.total_us.push_back(clamp_us(rows.column_int(2)));
                if (n.latencies.queue) c.queue_us.push_back(clamp_us(rows.column_int(3)));
                if (n.latencies.upstream) c.upstream_us.push_back(clamp_us(rows.column_int(4)));
                if (n.latencies.ttft && !rows.is_null(5))
                    c.ttft_us.push_back(clamp_us(rows.column_int(5)));
                c.prompt_tokens +=
                    static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows.column_int(6)));
                c.completion_tokens +=
                    static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows.column_int(7)));
                const std::int64_t cost = rows.column_int(8);
                c.cost_nusd += cost;
                if (rows.column_int(9) != 0) ++c.cached;
                if (rows.column_int(11) != 0) ++c.flagged;
                if (n.users && !rows.is_null(10))
                    w.band_user_cost.add(static_cast<std::uint64_t>(rows.column_int(10)), cost);
            }
        }
    }

    const bool any_feedback =
        std::any_of(live.begin(), live.end(), [](const Selection* g) { return g->needs.feedback; });
    if (any_feedback) {
        auto feedback = db.prepare(
            std::string(
                "SELECT f.request_id, f.name, f.value_type, f.value_number, f.value_text, ") +
            kSelectorColumns +
            " FROM request_feedback f JOIN request_rows r ON r.id = f.request_id "
            "WHERE f.request_id >= ?1 AND f.request_id < ?2" +
            env_filter);
        feedback.bind(1, from_id).bind(2, to_id);
        if (common_env >= 0) feedback.bind(3, common_env);
        while (feedback.step()) {
            const std::int64_t id = feedback.column_int(0);
            for (Selection* g : live) {
                if (!g->needs.feedback) continue;
                auto k = g->band_of(id);
                if (!k || !g->resolved.matches(feedback, 5)) continue;
                for (std::size_t j = *k; j < g->windows.size(); ++j) {
                    if (!g->windows[j].needs.feedback) continue;
                    FeedbackCell& fc = g->windows[j].feedback.feedback[feedback.column_text(1)];
                    ++fc.count;
                    if (feedback.column_text(2) == "category") {
                        ++fc.categories[feedback.column_text(4)];
                    } else {
                        ++fc.numeric_count;
                        fc.sum += feedback.column_double(3);
                    }
                }
            }
        }
    }

    std::vector<WindowFigures> out;
    std::vector<std::uint32_t> scratch;
    for (std::size_t i = 0; i < selections.size(); ++i) {
        const Selection& g = groups[where[i].first];
        const std::size_t k = where[i].second;
        const Window& w = g.windows[k];
        std::vector<const Cell*> cells;
        for (std::size_t j = 0; j <= k; ++j)
            cells.push_back(&g.windows[j].band);
        cells.push_back(&w.feedback);
        WindowFigures result;
        result.figures =
            figures_of(cells, static_cast<double>(w.ms) / 1000.0, scratch, w.needs.latencies);
        if (w.needs.users) {
            UserCosts cost;
            for (std::size_t j = 0; j <= k; ++j)
                g.windows[j].band_user_cost.for_each(
                    [&cost](std::uint64_t user, std::int64_t nusd) { cost.add(user, nusd); });
            cost.for_each([&result](std::uint64_t, std::int64_t nusd) {
                const double usd = static_cast<double>(nusd) / 1e9;
                if (!result.max_user_cost || usd > *result.max_user_cost)
                    result.max_user_cost = usd;
            });
        }
        out.push_back(std::move(result));
    }
    return out;
}

} // namespace llmops::monitor
