#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <random>

#include "core/time.hpp"
#include "monitor/alert_rules.hpp"
#include "monitor/request_metrics.hpp"
#include "monitor/window_figures.hpp"
#include "serve/request_log.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;

namespace {

// 6,000 requests over 30 hours in two environments, 3 routes × 2 releases, 2 providers,
// 3 keys, 50 users, some errors of two kinds, streamed ones with a TTFT, and feedback with
// fractional scores (so that the order of their addition matters) and categories.
struct RandomLog {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t t0 = *parse_iso8601_ms("2026-12-05T00:00:00Z");
    std::int64_t now = t0 + 30 * 3600000LL;

    RandomLog() {
        auto backend = serve::open_store_request_log(paths.database());
        std::mt19937_64 rng(17);
        auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        std::vector<serve::RequestRecord> records;
        std::vector<serve::FeedbackRecord> feedback;
        const char* routes[] = {"qa", "summary", "chat"};
        for (int i = 0; i < 6000; ++i) {
            serve::RequestRecord r;
            std::int64_t ms = t0 + static_cast<std::int64_t>(rng() % (30 * 3600000ULL));
            r.id = serve::make_request_id(ms, static_cast<std::uint32_t>(i));
            r.created_at = iso8601_from_ms(ms);
            r.env = pick(5) == 0 ? "staging" : "production";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            if (pick(20) != 0) {
                r.route = routes[pick(3)];
                r.release_number = 1 + pick(2);
                r.release_id = *r.release_number;
            }
            r.provider = pick(2) ? "openai" : "local";
            r.model = pick(2) ? "gpt" : "llama";
            r.key_name = "key" + std::to_string(pick(3));
            const int fate = pick(50);
            r.status = fate == 0 ? 502 : fate == 1 ? 429 : 200;
            r.error_kind = fate == 0 ? "upstream_server" : fate == 1 ? "rate_limited" : "";
            r.total_ms = 5 + static_cast<double>(pick(200000)) / 1000.0;
            r.queue_ms = static_cast<double>(pick(3000)) / 1000.0;
            r.upstream_ms = r.total_ms * 0.9;
            if (pick(3) == 0) r.ttft_ms = static_cast<double>(pick(90000)) / 1000.0;
            r.streamed = r.ttft_ms.has_value();
            r.cached = pick(10) == 0;
            r.prompt_tokens = pick(500);
            r.completion_tokens = pick(300);
            r.cost_usd = static_cast<double>(pick(100000)) * 1e-7;
            if (pick(4) != 0) r.user_hash = fmt::format("{:016x}", 1000 + pick(50));
            r.body_policy = "none";
            if (pick(4) == 0)
                feedback.push_back(
                    {r.id, "score", static_cast<double>(pick(1000)) / 7.0, "", "", r.created_at});
            if (pick(6) == 0)
                feedback.push_back({r.id, "thumbs", pick(2) ? "up" : "down", "", "", r.created_at});
            records.push_back(std::move(r));
        }
        std::vector<bool> found(feedback.size());
        backend->write_group(records, feedback, found);
    }
};

} // namespace

TEST_CASE("query_windows: every metric exactly as query_metrics computes it", "[monitor]") {
    RandomLog log;
    std::vector<std::string> metrics = monitor::alert_metric_names();
    for (const char* m : {"error_rate.upstream_server", "error_rate.rate_limited",
                          "feedback_mean.score", "feedback_count.score", "feedback_count.thumbs",
                          "feedback_mean.thumbs", "feedback_mean.nobody"})
        metrics.push_back(m);
    std::vector<monitor::Selector> selectors(8);
    selectors[1].env = "production";
    selectors[2].env = "production";
    selectors[2].route = "qa";
    selectors[3].env = "staging";
    selectors[3].route = "chat";
    selectors[3].release = 2;
    selectors[4].provider = "local";
    selectors[4].status = 200;
    selectors[5].env = "production";
    selectors[5].key = "key1";
    selectors[5].model = "gpt";
    selectors[6].route = "never-logged";
    selectors[7].env = "production";
    selectors[7].status = 502;
    const std::int64_t windows[] = {5 * 60000LL, 3600000LL, 6 * 3600000LL, 24 * 3600000LL,
                                    40 * 3600000LL};

    // Every metric on every selector and window, in a few evaluations of different mixes (one
    // metric per selection; all metrics of a selector together).
    std::vector<monitor::WindowSelection> one_by_one, together;
    for (const auto& s : selectors)
        for (std::int64_t w : windows) {
            together.push_back({s, w, metrics});
            for (const auto& m : metrics)
                one_by_one.push_back({s, w, {m}});
        }
    for (const auto* selections : {&one_by_one, &together}) {
        const auto results = monitor::query_windows(log.project.db(), log.now, *selections);
        REQUIRE(results.size() == selections->size());
        for (std::size_t i = 0; i < selections->size(); ++i) {
            const auto& s = (*selections)[i];
            monitor::MetricsQuery q;
            q.since_ms = log.now - s.window_ms;
            q.until_ms = log.now;
            q.selector = s.selector;
            q.top_users = 1;
            const monitor::MetricsReport report = monitor::query_metrics(log.project.db(), q);
            std::optional<double> max_user_cost;
            if (!report.top_users.empty()) max_user_cost = report.top_users.front().cost_usd;
            for (const auto& m : s.metrics) {
                INFO("selection " << i << " metric " << m << " window " << s.window_ms);
                const auto expected = monitor::metric_value(m, report.total, max_user_cost);
                const auto got =
                    monitor::metric_value(m, results[i].figures, results[i].max_user_cost);
                REQUIRE(expected.has_value() == got.has_value());
                if (expected) CHECK(*expected == *got); // bit for bit, not approximately
            }
        }
    }
}

TEST_CASE("query_windows: only the figures asked for and a zero window refused", "[monitor]") {
    RandomLog log;
    auto results =
        monitor::query_windows(log.project.db(), log.now, {{{}, 3600000, {"latency_p95_ms"}}});
    CHECK(results[0].figures.total_ms.p95.has_value());
    CHECK_FALSE(results[0].figures.ttft_ms.p95.has_value()); // not asked
    CHECK_FALSE(results[0].max_user_cost.has_value());
    CHECK(results[0].figures.requests > 0);
    CHECK_THROWS(monitor::query_windows(log.project.db(), log.now, {{{}, 0, {"requests"}}}));
}
