// Canary analysis on the real store: request-log rows written through the gateway's own log
// backend, with latencies, costs and feedback chosen so that every figure has a reference value
// from SciPy 1.10.1 (Debian 12 python3-scipy) and numpy 1.24.2:
//   mannwhitneyu([3,4,4,5,5,6,7,7,8], [1,2,2,3,3,3,4,5], method='asymptotic') = (64.5,
//     0.006373133838085873); np.percentile(..., 95) = 7.6 and 4.65;
//   mannwhitneyu([0.002]*10, [0.001]*8, method='asymptotic') = (80.0, 4.669796503602038e-05);
//   mannwhitneyu([0,0,1,0,0], [1,1,1,1,0], method='asymptotic') = (5.0, 0.09295731572744009);
//   fisher_exact([[0, 8], [1, 9]]) = (0.0, 1.0).
#include <catch2/catch.hpp>

#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "deploy/canary_analysis.hpp"
#include "prompt/prompt_registry.hpp"
#include "serve/request_log.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;
using nlohmann::json;

namespace {

std::string iso_of(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

struct CanaryFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    deploy::Release stable, canary;
    std::vector<serve::RequestRecord> records;
    std::vector<serve::FeedbackRecord> feedback;
    std::int64_t sequence = 0;

    CanaryFixture() {
        prompt::PromptRegistry registry(project);
        auto version =
            registry.add_text("name: p\nmessages:\n  - {role: user, content: hi}\n", "p.yaml", "")
                .version;
        deploy::NewRelease nr{"prod", "qa",           "h1", version.id,
                              "echo", json::object(), "c",  json::object()};
        store::Transaction tx(project.db());
        stable = deploy::insert_release(project.db(), nr);
        nr.hash = "h2";
        canary = deploy::insert_release(project.db(), nr);
        deploy::Attempt attempt;
        attempt.env = "prod";
        attempt.route = "qa";
        attempt.action = "deploy";
        attempt.outcome = "passed";
        attempt.actor = "test";
        auto id = deploy::record_attempt(project.db(), attempt);
        deploy::set_traffic(project.db(), "prod", "qa", stable.id, canary.id, 50, id);
        tx.commit();
    }

    // A request as the gateway logs it; ids follow the gateway's time-ordered form.
    std::string log(bool in_canary, int status, std::string error_kind, double total_ms,
                    double cost, std::int64_t at_ms = 0) {
        std::int64_t ms = at_ms ? at_ms : now_unix_ms() + 1;
        serve::RequestRecord r;
        r.id = fmt::format("req_{:016x}", (ms << 20) | ++sequence);
        r.created_at = iso_of(ms);
        r.env = "prod";
        r.method = "POST";
        r.path = "/v1/chat/completions";
        r.route = "qa";
        const deploy::Release& release = in_canary ? canary : stable;
        r.release_id = release.id;
        r.release_number = release.number;
        r.canary = in_canary;
        r.status = status;
        r.error_kind = std::move(error_kind);
        r.total_ms = total_ms;
        r.upstream_ms = total_ms;
        r.cost_usd = cost;
        r.body_policy = "none";
        records.push_back(r);
        return r.id;
    }

    void score(const std::string& request_id, bool value) {
        feedback.push_back({request_id, "helpful", json(value), "", "", now_iso8601()});
    }

    void write() {
        auto backend = serve::open_store_request_log(paths.database());
        std::vector<bool> found(feedback.size());
        backend->write_group(records, feedback, found);
        for (bool f : found)
            REQUIRE(f);
        records.clear();
        feedback.clear();
    }

    const deploy::CanaryComparison& comparison(const deploy::CanaryAnalysis& a,
                                               const std::string& metric) {
        for (const auto& c : a.comparisons)
            if (c.metric == metric) return c;
        FAIL("no comparison " << metric);
        return a.comparisons.front();
    }
};

} // namespace

TEST_CASE("canary analysis: figures, tests and the verdict from the request log", "[canary]") {
    CanaryFixture f;
    std::vector<std::string> stable_ids, canary_ids;
    for (double ms : {1, 2, 2, 3, 3, 3, 4, 5})
        stable_ids.push_back(f.log(false, 200, "", ms, 0.001));
    for (double ms : {3, 4, 4, 5, 5, 6, 7, 7, 8})
        canary_ids.push_back(f.log(true, 200, "", ms, 0.002));
    f.log(true, 200, "upstream_server", 900, 0.002); // a stream that failed after its 200
    f.log(true, 400, "bad_field", 1, 0);             // the client's fault: not counted
    f.log(false, 502, "upstream_server", 50, 0.001, 1577836800000); // before the canary
    for (int i = 0; i < 4; ++i)
        f.score(stable_ids[static_cast<std::size_t>(i)], true);
    f.score(stable_ids[4], false);
    for (int i : {0, 1, 3, 4})
        f.score(canary_ids[static_cast<std::size_t>(i)], false);
    f.score(canary_ids[2], true);
    f.write();

    deploy::CanaryPolicy policy;
    policy.min_requests = 5;
    auto a = deploy::analyse_canary(f.project.db(), "prod", "qa", policy);
    CHECK(a.stable.requests == 8);
    CHECK(a.canary.requests == 10);
    CHECK(a.stable.errors == 0);
    CHECK(a.canary.errors == 1);
    CHECK(a.canary.error_rate == Approx(0.1));
    REQUIRE(a.canary.latency_p95_ms);
    CHECK(*a.canary.latency_p95_ms == Approx(7.6));
    CHECK(*a.stable.latency_p95_ms == Approx(4.65));
    CHECK(a.canary.cost_per_request == Approx(0.002));

    const auto& errors = f.comparison(a, "error_rate");
    CHECK(errors.test == "Fisher exact");
    CHECK(errors.p_value == Approx(1.0));
    CHECK_FALSE(errors.failed);
    const auto& latency = f.comparison(a, "latency");
    CHECK(latency.statistic == 64.5);
    CHECK(latency.p_value == Approx(0.006373133838085873).margin(1e-9));
    CHECK(latency.canary_worse);
    CHECK(latency.failed);
    const auto& cost = f.comparison(a, "cost");
    CHECK(cost.statistic == 80.0);
    CHECK(cost.p_value == Approx(4.669796503602038e-05).margin(1e-12));
    CHECK(cost.failed);
    const auto& helpful = f.comparison(a, "feedback helpful");
    CHECK(helpful.statistic == 5.0);
    CHECK(helpful.p_value == Approx(0.09295731572744009).margin(1e-9));
    CHECK(helpful.canary_worse);
    CHECK_FALSE(helpful.failed);
    CHECK(helpful.canary_value == Approx(0.2));
    CHECK(a.verdict == "rollback");
    CHECK(a.reason == "the canary is significantly worse on latency, cost");

    // Tolerances turn a significant but small difference into a pass.
    policy.max_latency_increase = 1.0; // 7.6 < 4.65 * 2
    policy.max_cost_increase = 1.5;    // 0.002 < 0.001 * 2.5
    a = deploy::analyse_canary(f.project.db(), "prod", "qa", policy);
    CHECK(f.comparison(a, "latency").significant);
    CHECK_FALSE(f.comparison(a, "latency").failed);
    CHECK(a.verdict == "promote");
    // Too few requests per arm: hold, whatever the tests say.
    policy = {};
    a = deploy::analyse_canary(f.project.db(), "prod", "qa", policy);
    CHECK(a.verdict == "hold");
    CHECK_THAT(a.reason, Catch::Contains("canary 10, stable 8 requests"));
}

TEST_CASE("canary verdicts applied: rollback recorded with its evidence and a stale analysis "
          "applies nothing",
          "[canary]") {
    CanaryFixture f;
    for (int i = 0; i < 6; ++i) {
        f.log(false, 200, "", 10, 0);
        f.log(true, 502, "upstream_server", 10, 0);
    }
    f.write();
    deploy::Environment env;
    env.name = "prod";
    env.canary_policy.min_requests = 5;

    // Analysed, then the route changes before the verdict is written.
    auto stale = deploy::analyse_canary(f.project.db(), "prod", "qa", env.canary_policy);
    CHECK(stale.verdict == "rollback");
    deploy::ramp(f.project, "prod", "qa", 60, "");
    CHECK_THROWS_AS(deploy::record_canary_verdict(f.project, stale.traffic, stale.verdict, "m",
                                                  deploy::canary_evidence_to_json(stale)),
                    Error);
    CHECK(deploy::load_traffic(f.project.db(), "prod", "qa")->canary);

    auto result = deploy::check_canary(f.project, env, "qa", /*apply=*/true);
    CHECK(result.analysis.verdict == "rollback");
    CHECK(result.applied);
    REQUIRE(result.change);
    CHECK_FALSE(result.change->after.canary);
    CHECK(result.change->after.stable.id == f.stable.id);
    auto attempts = deploy::list_attempts(f.project.db(), "prod", "qa", 1);
    REQUIRE(attempts.size() == 1);
    CHECK(attempts[0].action == "check");
    CHECK(attempts[0].outcome == "rollback");
    CHECK(attempts[0].release_number == f.canary.number);
    CHECK(attempts[0].gates[0]["figures"]["canary"]["errors"] == 6);
    CHECK(attempts[0].gates[1]["gate"] == "error_rate");
    CHECK(attempts[0].gates[1]["passed"] == false);
    // No canary left: a usage error.
    CHECK_THROWS_AS(deploy::analyse_canary(f.project.db(), "prod", "qa", env.canary_policy), Error);
}
