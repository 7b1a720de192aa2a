// The gateway's parts that need no socket: the route table against deploy::route_for, the
// request log writer on the real store, the key guard, and the metrics page.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/time.hpp"
#include "deploy/deployer.hpp"
#include "prompt/prompt_registry.hpp"
#include "serve/api_keys.hpp"
#include "serve/gateway_metrics.hpp"
#include "serve/request_log.hpp"
#include "serve/route_table.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;
using nlohmann::json;

namespace {

struct GatewayFixture {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
};

} // namespace

TEST_CASE("the route table answers as deploy::route_for for every key", "[serve]") {
    GatewayFixture f;
    prompt::PromptRegistry registry(f.project);
    auto version =
        registry.add_text("name: p\nmessages:\n  - {role: user, content: hi}\n", "p.yaml", "")
            .version;
    deploy::NewRelease nr{"prod", "qa",           "h1", version.id,
                          "echo", json::object(), "c",  json::object()};
    {
        store::Transaction tx(f.project.db());
        auto stable = deploy::insert_release(f.project.db(), nr);
        nr.hash = "h2";
        auto canary = deploy::insert_release(f.project.db(), nr);
        deploy::Attempt attempt;
        attempt.env = "prod";
        attempt.route = "qa";
        attempt.action = "deploy";
        attempt.outcome = "passed";
        attempt.actor = "test";
        auto id = deploy::record_attempt(f.project.db(), attempt);
        deploy::set_traffic(f.project.db(), "prod", "qa", stable.id, canary.id, 25, id);
        tx.commit();
    }
    provider::ProviderCatalog catalog;
    auto routes = serve::load_routes(f.project, "prod", catalog);
    REQUIRE(routes->route_names() == std::vector<std::string>{"qa"});
    CHECK_FALSE(routes->resolve("nope", "u"));
    int canary = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string key = "user-" + std::to_string(i);
        auto choice = routes->resolve("qa", key);
        REQUIRE(choice);
        auto answer = deploy::route_for(f.project.db(), "prod", "qa", key);
        CHECK(choice->release->release.number == answer.release().number);
        CHECK(choice->canary == answer.canary);
        canary += choice->canary ? 1 : 0;
    }
    CHECK(canary > 400); // about 25%
    CHECK(canary < 600);
    const auto& entry = routes->routes.at("qa");
    REQUIRE(entry.stable->provider); // "echo" resolves inline
    CHECK(entry.stable->prompt->display == "p@1");
    CHECK(serve::traffic_signature(f.project.db(), "prod") == routes->signature);
    CHECK(serve::traffic_signature(f.project.db(), "other").empty());
}

TEST_CASE("the request log writer commits groups to the store, feedback included", "[serve]") {
    GatewayFixture f;
    const std::int64_t t0 = *parse_iso8601_ms("2026-12-06T00:00:00Z");
    auto id = [t0](int i) { return serve::make_request_id(t0, static_cast<std::uint32_t>(i)); };
    auto backend = serve::open_store_request_log(f.paths.database());
    {
        serve::RequestLogWriter writer(*backend, std::chrono::milliseconds(20));
        for (int i = 0; i < 250; ++i) {
            serve::RequestRecord r;
            r.id = id(i);
            r.created_at = "2026-12-06T00:00:00.000Z";
            r.env = "prod";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            r.route = i % 2 ? "qa" : "";
            r.status = i % 5 ? 200 : 400;
            r.error_kind = i % 5 ? "" : "bad_json";
            r.ttft_ms = i % 3 ? std::optional<double>(1.5) : std::nullopt;
            r.key_name = i < 10 ? "app" : "";
            r.cost_usd = 0.5;
            r.body_policy = "none";
            writer.append(std::move(r));
        }
        std::atomic<int> answered{0};
        std::atomic<bool> found_known{false}, found_unknown{true};
        writer.append_feedback({id(7), "helpful", true, "", "", "t"}, [&](bool found) {
            found_known = found;
            ++answered;
        });
        writer.append_feedback({id(9999), "helpful", 1, "", "", "t"}, [&](bool found) {
            found_unknown = found;
            ++answered;
        });
        writer.flush();
        CHECK(answered == 2);
        CHECK(found_known);
        CHECK_FALSE(found_unknown);
        CHECK(writer.written() == 250);
        CHECK(writer.failed_groups() == 0);
    } // the destructor flushes whatever is left
    serve::LogFilter all;
    all.limit = 0;
    auto rows = backend->list(all);
    REQUIRE(rows.size() == 250);
    CHECK(rows.front().record.id == id(249)); // newest first
    CHECK(rows.front().record.created_at == "2026-12-06T00:00:00.000Z");
    serve::LogFilter errors;
    errors.errors_only = true;
    errors.limit = 0;
    CHECK(backend->list(errors).size() == 50);
    serve::LogFilter route;
    route.route = "qa";
    route.limit = 0;
    CHECK(backend->list(route).size() == 125);
    serve::LogFilter tail;
    tail.after_seq = rows[1].seq;
    tail.limit = 10;
    auto newer = backend->list(tail);
    REQUIRE(newer.size() == 1);
    CHECK(newer[0].record.id == id(249));
    auto one = backend->get(id(3));
    REQUIRE(one);
    CHECK(one->record.ttft_ms == std::nullopt);
    CHECK(one->record.route == "qa");
    CHECK_FALSE(backend->get("req_x"));
    auto fb = backend->feedback_for(id(7));
    REQUIRE(fb.size() == 1);
    CHECK(fb[0].record.value == true);
    auto spend = backend->usage_by_key();
    REQUIRE(spend.size() == 1);
    CHECK(spend[0].cost_usd == Approx(5.0));
}

TEST_CASE("keys: only the SHA-256 is stored and the guard answers 401, 403 and 429", "[serve]") {
    GatewayFixture f;
    CHECK(serve::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auto created = serve::create_key(f.project.db(), "app", {2.0, 100.0, std::nullopt, {"qa"}});
    CHECK(created.secret.rfind("llmops-", 0) == 0);
    CHECK(created.key.key_sha256 == serve::sha256_hex(created.secret));
    CHECK_THROWS_AS(serve::create_key(f.project.db(), "app", {}), Error);
    serve::KeyGuard guard;
    guard.load(serve::list_keys(f.project.db(), false), {});
    REQUIRE(guard.enabled());
    std::string bearer = "Bearer " + created.secret;
    CHECK(guard.admit("", "qa", 1).status == 401);
    CHECK(guard.admit("Bearer nope", "qa", 1).status == 401);
    CHECK(guard.admit(bearer, "other", 1).status == 403);
    CHECK(guard.admit(bearer, "qa", 10).status == 0);
    CHECK(guard.admit(bearer, "qa", 10).status == 0);
    auto limited = guard.admit(bearer, "qa", 10);
    CHECK(limited.status == 429);
    CHECK(limited.retry_after_s > 0);
    CHECK(guard.admit(bearer, "", 0, false).status == 0); // not metered
    serve::revoke_key(f.project.db(), "app");
    guard.load(serve::list_keys(f.project.db(), false), {});
    CHECK_FALSE(guard.enabled());
    CHECK(serve::list_keys(f.project.db(), true).size() == 1);
}

TEST_CASE("keys: what other gateways logged leaves this one's buckets and raises its spend",
          "[serve]") {
    GatewayFixture f;
    auto created = serve::create_key(f.project.db(), "shared", {4.0, 1000.0, 1.0, {}});
    std::string bearer = "Bearer " + created.secret;
    serve::KeyGuard guard;
    // At start the store holds 10 requests and 500 tokens of this key, all the others'.
    guard.load(serve::list_keys(f.project.db(), false), {{"shared", 0.25, 10, 500}});
    std::vector<serve::KeyUsage> store = {{"shared", 0.25, 10, 500}};
    std::vector<serve::KeyUsage> own;
    guard.share_usage([&] { return store; }, [&] { return own; });

    // Nothing new: the full bucket of 4 requests a minute.
    for (int i = 0; i < 4; ++i)
        CHECK(guard.admit(bearer, "qa", 1).status == 0);
    CHECK(guard.admit(bearer, "qa", 1).kind == "key_rate_limited");

    serve::KeyGuard second;
    second.load(serve::list_keys(f.project.db(), false), {{"shared", 0.25, 10, 500}});
    second.share_usage([&] { return store; }, [&] { return own; });
    // The others logged 3 more requests: one is left of this gateway's 4.
    store = {{"shared", 0.5, 13, 530}};
    CHECK(second.admit(bearer, "qa", 1).status == 0);
    std::this_thread::sleep_for(serve::KeyGuard::kSharedUsageMaxAge * 2);
    CHECK(second.admit(bearer, "qa", 1).kind == "key_rate_limited");
    // Its own logged request is not the others': no more is taken, so the bucket is a
    // request short of one (15 s at 4 a minute), not two.
    std::this_thread::sleep_for(serve::KeyGuard::kSharedUsageMaxAge * 2);
    own = {{"shared", 0.1, 1, 10}};
    store = {{"shared", 0.6, 14, 540}};
    auto limited = second.admit(bearer, "qa", 1);
    CHECK(limited.kind == "key_rate_limited");
    CHECK(limited.retry_after_s <= 15.0);

    // The others' tokens leave the token bucket (1,000 a minute) the same way.
    serve::KeyGuard third;
    third.load(serve::list_keys(f.project.db(), false), {{"shared", 0.25, 10, 500}});
    std::vector<serve::KeyUsage> busy = {{"shared", 0.5, 10, 1450}};
    third.share_usage([&] { return busy; }, [] { return std::vector<serve::KeyUsage>{}; });
    auto tokens = third.admit(bearer, "qa", 100);
    CHECK(tokens.kind == "key_rate_limited");
    CHECK(tokens.message.find("tokens per minute") != std::string::npos);

    // A spend the store records past the budget refuses the key here too.
    serve::KeyGuard fourth;
    fourth.load(serve::list_keys(f.project.db(), false), {});
    std::vector<serve::KeyUsage> spent = {{"shared", 1.5, 2, 0}};
    fourth.share_usage([&] { return spent; }, [] { return std::vector<serve::KeyUsage>{}; });
    CHECK(fourth.admit(bearer, "qa", 1).kind == "budget_exhausted");
}

TEST_CASE("metrics render Prometheus text with bounded labels", "[serve]") {
    serve::GatewayMetrics metrics;
    serve::RequestObservation o;
    o.route = "qa";
    o.release = "3";
    o.provider = "stub";
    o.status = 200;
    o.total_s = 0.003;
    o.upstream_s = 0.002;
    o.prompt_tokens = 5;
    metrics.observe(o);
    o.status = 502;
    o.error_kind = "upstream_server";
    metrics.observe(o);
    std::string page = metrics.render({});
    CHECK(
        page.find(
            R"(llmops_gateway_requests_total{route="qa",release="3",provider="stub",status_class="2xx"} 1)") !=
        std::string::npos);
    CHECK(
        page.find(
            R"(llmops_gateway_request_duration_seconds_bucket{route="qa",release="3",provider="stub",le="0.005"} 2)") !=
        std::string::npos);
    CHECK(
        page.find(
            R"(llmops_gateway_request_duration_seconds_bucket{route="qa",release="3",provider="stub",le="+Inf"} 2)") !=
        std::string::npos);
    CHECK(page.find(R"(llmops_gateway_errors_total{route="qa",kind="upstream_server"} 1)") !=
          std::string::npos);
    CHECK(page.find("llmops_gateway_ttft_seconds_bucket") == std::string::npos); // none observed
}
