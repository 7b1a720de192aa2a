#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "monitor/request_metrics.hpp"
#include "serve/request_log.hpp"
#include "stats/statistics.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;

namespace {

struct MetricsFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t t0 = *parse_iso8601_ms("2026-12-06T00:00:00Z");

    // 10 requests of qa@1 in the first hour (total 10, 20 ... 100 ms; the last a 502; even ones
    // cached), 4 streamed ones of qa@2 in the second (200 ms, TTFT 50), and feedback.
    MetricsFixture() {
        auto backend = serve::open_store_request_log(paths.database());
        std::vector<serve::RequestRecord> records;
        for (int i = 0; i < 14; ++i) {
            serve::RequestRecord r;
            bool second = i >= 10;
            std::int64_t ms = t0 + (second ? 3600000 + (i - 10) * 1000 : i * 1000);
            r.id = serve::make_request_id(ms, static_cast<std::uint32_t>(i));
            r.created_at = iso8601_from_ms(ms);
            r.env = "prod";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            r.route = "qa";
            r.release_id = second ? 2 : 1;
            r.release_number = second ? 2 : 1;
            r.canary = second;
            r.provider = "openai";
            r.model = "gpt";
            r.status = i == 9 ? 502 : 200;
            r.error_kind = i == 9 ? "upstream_error" : "";
            r.total_ms = second ? 200 : (i + 1) * 10;
            r.queue_ms = 1;
            r.upstream_ms = r.total_ms - 2;
            if (second) r.ttft_ms = 50;
            r.streamed = second;
            r.cached = !second && i % 2 == 0;
            r.prompt_tokens = 10;
            r.completion_tokens = 5;
            r.cost_usd = second ? 0.01 : 0.001;
            if (i < 5) r.user_hash = "00000000000000aa";
            if (second) r.user_hash = "00000000000000bb";
            r.body_policy = "none";
            records.push_back(r);
        }
        auto fb = [&](int i, std::string name, nlohmann::json value) {
            return serve::FeedbackRecord{records[static_cast<std::size_t>(i)].id,
                                         std::move(name),
                                         std::move(value),
                                         "",
                                         "",
                                         "t"};
        };
        std::vector<serve::FeedbackRecord> feedback = {fb(0, "helpful", true),
                                                       fb(1, "helpful", false), fb(2, "score", 4),
                                                       fb(3, "tone", "polite")};
        std::vector<bool> found(feedback.size());
        backend->write_group(records, feedback, found);
    }

    monitor::MetricsQuery query() const {
        monitor::MetricsQuery q;
        q.since_ms = t0;
        q.until_ms = t0 + 7200000;
        return q;
    }
};

} // namespace

TEST_CASE("monitor: figures of a window follow docs/monitoring.md", "[monitor]") {
    MetricsFixture f;
    auto q = f.query();
    q.group_by = monitor::GroupBy::Release;
    q.bucket_ms = 3600000;
    auto report = monitor::query_metrics(f.project.db(), q);

    const auto& t = report.total;
    CHECK(t.requests == 14);
    CHECK(t.requests_per_second == Approx(14.0 / 7200));
    CHECK(t.errors == 1);
    CHECK(t.errors_by_kind.at("upstream_error") == 1);
    CHECK(t.prompt_tokens == 140);
    CHECK(t.completion_tokens == 70);
    CHECK(t.output_tokens_per_second == Approx(70.0 / 7200));
    CHECK(t.cost_usd == Approx(0.05));
    CHECK(t.ttft_ms.count == 4);
    CHECK(*t.ttft_ms.p50 == Approx(50));

    REQUIRE(report.groups.size() == 2);
    const auto& one = report.groups[0];
    CHECK(one.key == "qa@1");
    CHECK(one.total.requests == 10);
    CHECK(one.total.error_rate == Approx(0.1));
    // numpy.percentile([10, 20, ..., 100], [50, 95, 99]) = 55, 95.5, 99.1
    CHECK(*one.total.total_ms.p50 == Approx(55));
    CHECK(*one.total.total_ms.p95 == Approx(95.5));
    CHECK(*one.total.total_ms.p99 == Approx(99.1));
    CHECK(*one.total.upstream_ms.p50 == Approx(53));
    CHECK(*one.total.queue_ms.p99 == Approx(1));
    CHECK_FALSE(one.total.ttft_ms.p50);
    CHECK(one.total.successes == 9);
    CHECK(one.total.cached == 5);
    CHECK(one.total.cache_hit_rate == Approx(5.0 / 9));
    REQUIRE(one.total.feedback.size() == 3);
    CHECK(one.total.feedback[0].name == "helpful");
    CHECK(one.total.feedback[0].count == 2);
    CHECK(*one.total.feedback[0].mean == Approx(0.5));
    CHECK(*one.total.feedback[1].mean == Approx(4));
    CHECK(one.total.feedback[2].categories.at("polite") == 1);
    CHECK_FALSE(one.total.feedback[2].mean);
    CHECK(report.groups[1].key == "qa@2");

    // Buckets cover the window, every one present, per group too.
    REQUIRE(report.buckets.size() == 2);
    CHECK(report.buckets[0].start_ms == f.t0);
    CHECK(report.buckets[0].figures.requests == 10);
    CHECK(report.buckets[1].figures.requests == 4);
    CHECK(report.buckets[1].figures.requests_per_second == Approx(4.0 / 3600));
    REQUIRE(one.buckets.size() == 2);
    CHECK(one.buckets[1].figures.requests == 0);
    CHECK_FALSE(one.buckets[1].figures.total_ms.p50);

    // Cost per user, most first.
    REQUIRE(report.top_users.size() == 2);
    CHECK(report.top_users[0].user_hash == "00000000000000bb");
    CHECK(report.top_users[0].cost_usd == Approx(0.04));
    CHECK(report.top_users[1].requests == 5);

    auto json = monitor::to_json(report);
    CHECK(json["total"]["requests"] == 14);
    CHECK(json["groups"][0]["key"] == "qa@1");
    CHECK(json["groups"][0]["total"]["latency_ms"]["total"]["p95"].get<double>() == Approx(95.5));
    CHECK(json["buckets"][1]["start"] == "2026-12-06T01:00:00.000Z");
    CHECK(json["users"]["top"][0]["user_hash"] == "00000000000000bb");
}

TEST_CASE("monitor: selectors narrow, unknown names match nothing", "[monitor]") {
    MetricsFixture f;
    auto q = f.query();
    q.selector.release = 2;
    CHECK(monitor::query_metrics(f.project.db(), q).total.requests == 4);
    q.selector = {};
    q.selector.route = "nope";
    auto none = monitor::query_metrics(f.project.db(), q);
    CHECK(none.total.requests == 0);
    CHECK(none.total.error_rate == 0);
    CHECK_FALSE(none.total.total_ms.p50);
    q.selector = {};
    q.selector.status = 502;
    q.group_by = monitor::GroupBy::Status;
    auto errors = monitor::query_metrics(f.project.db(), q);
    REQUIRE(errors.groups.size() == 1);
    CHECK(errors.groups[0].key == "502");
    // A window ending before the second hour sees the first only.
    q = f.query();
    q.until_ms = f.t0 + 3600000;
    CHECK(monitor::query_metrics(f.project.db(), q).total.requests == 10);
}

TEST_CASE("monitor: bad windows and buckets are usage errors", "[monitor]") {
    MetricsFixture f;
    auto q = f.query();
    q.until_ms = q.since_ms;
    CHECK_THROWS_AS(monitor::query_metrics(f.project.db(), q), Error);
    q = f.query();
    q.bucket_ms = 1;
    CHECK_THROWS_AS(monitor::query_metrics(f.project.db(), q), Error);
    CHECK_THROWS_AS(monitor::parse_group_by("user"), Error);
}

TEST_CASE("request ids: time-ordered, one spelling", "[serve]") {
    std::int64_t t = *parse_iso8601_ms("2026-12-06T12:00:00.250Z");
    std::string id = serve::make_request_id(t, 7);
    REQUIRE(serve::parse_request_id(id));
    CHECK(serve::request_id_ms(*serve::parse_request_id(id)) == t);
    CHECK(serve::make_request_id(t + 1, 0) > serve::make_request_id(t, 0xFFFFF));
    CHECK_FALSE(serve::parse_request_id("req_1"));
    CHECK_FALSE(serve::parse_request_id("req_ffffffffffffffff"));
    CHECK_FALSE(serve::parse_request_id("req_00000000000000AA"));
    CHECK(parse_iso8601_ms("2026-12-06") == parse_iso8601_ms("2026-12-06T00:00:00Z"));
    CHECK(*parse_iso8601_ms("2026-12-06T02:00:00+02:00") == *parse_iso8601_ms("2026-12-06T00:00Z"));
    CHECK_FALSE(parse_iso8601_ms("2026-02-30"));
    CHECK_FALSE(parse_iso8601_ms("yesterday"));
    CHECK(iso8601_from_ms(t) == "2026-12-06T12:00:00.250Z");
}

TEST_CASE("monitor: percentiles by selection equal the project's rule", "[monitor]") {
    stats::Xoshiro256 rng(7);
    for (std::size_t n : {1, 2, 3, 10, 11, 99, 100, 101, 1000, 4097}) {
        for (std::uint64_t spread : {3, 1000, 1000000}) {
            std::vector<std::uint32_t> values(n);
            std::vector<double> as_double(n);
            for (std::size_t i = 0; i < n; ++i) {
                values[i] = static_cast<std::uint32_t>(rng.below(spread));
                as_double[i] = values[i];
            }
            auto want = stats::percentiles(as_double, {50, 95, 99});
            auto got = monitor::percentiles_50_95_99(values);
            INFO("n " << n << " spread " << spread);
            CHECK(got[0] == Approx(want[0]));
            CHECK(got[1] == Approx(want[1]));
            CHECK(got[2] == Approx(want[2]));
        }
    }
}
