#include <catch2/catch.hpp>

#include <fstream>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "monitor/alert_delivery.hpp"
#include "monitor/alert_evaluation.hpp"
#include "monitor/alert_payloads.hpp"
#include "monitor/alert_rules.hpp"
#include "serve/request_log.hpp"
#include "store/migrations.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

using namespace llmops;

namespace {

std::string config_error(const std::string& yaml) {
    try {
        monitor::parse_alert_config(parse_yaml(yaml, "llmops.yaml"));
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        return e.message() + " @ " + e.where().to_string();
    }
    return "no error";
}

struct Store {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path());
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
    std::int64_t t0 = *parse_iso8601_ms("2026-12-06T00:00:00Z");

    // `n` requests of route qa at t0 + i seconds, the first `errors` of them failed.
    void log(int n, int errors) {
        auto backend = serve::open_store_request_log(paths.database());
        std::vector<serve::RequestRecord> records;
        for (int i = 0; i < n; ++i) {
            serve::RequestRecord r;
            std::int64_t ms = t0 + i * 1000;
            r.id = serve::make_request_id(ms, static_cast<std::uint32_t>(i));
            r.created_at = iso8601_from_ms(ms);
            r.env = "prod";
            r.method = "POST";
            r.path = "/v1/chat/completions";
            r.route = "qa";
            r.status = i < errors ? 502 : 200;
            r.error_kind = i < errors ? "upstream_server" : "";
            r.total_ms = 10;
            r.body_policy = "none";
            records.push_back(r);
        }
        std::vector<bool> found;
        backend->write_group(records, {}, found);
    }
};

monitor::AlertConfig one_rule(const std::string& rule_yaml) {
    return monitor::parse_alert_config(
        parse_yaml("alerts:\n  notify: {webhook: http://127.0.0.1:9/hook}\n  rules:\n" + rule_yaml,
                   "llmops.yaml"));
}

} // namespace

TEST_CASE("alert rules: bad ones are errors at file:line:column", "[monitor]") {
    auto rules = [](const std::string& r) { return "alerts:\n  rules:\n" + r; };
    std::string e = config_error(rules("    - {name: A, metric: eror_rate, threshold: 1}\n"));
    CHECK(e.find("unknown metric 'eror_rate'; did you mean 'error_rate'?") != std::string::npos);
    CHECK(e.find("llmops.yaml:3:25") != std::string::npos);
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1, window: 5 min}\n"))
              .find("not a duration") != std::string::npos);
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1, window: 0}\n")) !=
          "no error");
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1, selector: {user: "
                             "x}}\n")) != "no error");
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1, selector: "
                             "{release: 2}}\n"))
              .find("needs a route") != std::string::npos);
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1}\n    - {name: A, "
                             "metric: errors, threshold: 1}\n"))
              .find("llmops.yaml:4:") != std::string::npos);
    CHECK(config_error(rules("    - {name: A, metric: requests, threshold: 1, labels: "
                             "{alertname: x}}\n")) != "no error");
    CHECK(config_error(rules("    - {name: A, metric: requests}\n")) != "no error");
    CHECK(config_error("alerts:\n  evaluate_every: soon\n").find("/alerts/evaluate_every") !=
          std::string::npos);
    auto ok = one_rule("    - {name: A, metric: feedback_mean.helpful, threshold: 0.5, "
                       "comparison: '<', for: 2m, window: 1h}\n");
    REQUIRE(ok.rules.size() == 1);
    CHECK(ok.rules[0].for_ms == 120000);
    CHECK(ok.rules[0].window_ms == 3600000);
    CHECK(ok.rules[0].comparison == monitor::Comparison::Less);
    CHECK(ok.rules[0].receivers.webhooks == std::vector<std::string>{"http://127.0.0.1:9/hook"});
}

TEST_CASE("alert fingerprints: stable, from the labels only", "[monitor]") {
    auto a = one_rule("    - {name: A, metric: errors, threshold: 1, selector: {route: qa}, "
                      "labels: {team: x, area: y}}\n");
    auto b = one_rule("    - {name: A, metric: requests, threshold: 9, selector: {route: qa}, "
                      "labels: {area: y, team: x}}\n");
    auto c = one_rule("    - {name: A, metric: errors, threshold: 1, selector: {route: other}, "
                      "labels: {team: x, area: y}}\n");
    auto fp = [](const monitor::AlertConfig& cfg) {
        return monitor::alert_fingerprint(monitor::alert_labels(cfg.rules[0]));
    };
    CHECK(fp(a) == fp(b));
    CHECK(fp(a) != fp(c));
    CHECK(fp(a).size() == 16);
    CHECK(monitor::alert_labels(a.rules[0]).at("route") == "qa");
}

TEST_CASE("alert states: pending, firing once, resolved once", "[monitor]") {
    Store s;
    s.log(10, 4); // 40% errors in the first 10 s
    auto config = one_rule("    - {name: Errors, metric: error_rate, threshold: 0.2, window: 10m, "
                           "for: 2m}\n");
    auto at = [&](std::int64_t seconds) {
        return monitor::evaluate_alerts(s.project.db(), config, s.t0 + 20000 + seconds * 1000);
    };
    auto outbox = [&] {
        auto st = s.project.db().prepare("SELECT status FROM alert_outbox ORDER BY id");
        std::string out;
        while (st.step())
            out += st.column_text(0) + ",";
        return out;
    };
    auto e = at(0);
    CHECK(e.alerts[0].value == Approx(0.4));
    CHECK(e.alerts[0].state == monitor::AlertState::Pending);
    CHECK(e.firing == 0);
    CHECK(at(60).alerts[0].state == monitor::AlertState::Pending);
    e = at(120);
    CHECK(e.alerts[0].state == monitor::AlertState::Firing);
    CHECK(e.firing == 1);
    CHECK(outbox() == "firing,");
    CHECK(at(180).alerts[0].state == monitor::AlertState::Firing);
    CHECK(outbox() == "firing,"); // no second webhook while it keeps firing
    e = at(900);                  // the window no longer holds the errors
    CHECK(e.alerts[0].state == monitor::AlertState::Resolved);
    CHECK(e.alerts[0].value == Approx(0));
    CHECK(outbox() == "firing,resolved,");
    CHECK(at(960).alerts[0].state == monitor::AlertState::Resolved);
    auto history = monitor::alert_history(s.project.db(), s.t0, s.t0 + 86400000);
    REQUIRE(history.size() == 3);
    CHECK(history[0].state == monitor::AlertState::Pending);
    CHECK(history[1].state == monitor::AlertState::Firing);
    CHECK(history[2].state == monitor::AlertState::Resolved);

    // The webhook payload is Alertmanager's version 4.
    auto st = s.project.db().prepare("SELECT payload FROM alert_outbox ORDER BY id DESC");
    REQUIRE(st.step());
    auto body = nlohmann::json::parse(st.column_text(0));
    CHECK(body["version"] == "4");
    CHECK(body["status"] == "resolved");
    CHECK(body["alerts"][0]["labels"]["alertname"] == "Errors");
    CHECK(body["alerts"][0]["endsAt"] == iso8601_from_ms(s.t0 + 920000));
}

TEST_CASE("alerts without data do not fire", "[monitor]") {
    Store s;
    auto config = one_rule("    - {name: Slow, metric: latency_p95_ms, threshold: 0, comparison: "
                           "'>='}\n    - {name: Quiet, metric: requests, threshold: 1, comparison: "
                           "'<'}\n");
    auto e = monitor::evaluate_alerts(s.project.db(), config, s.t0);
    CHECK_FALSE(e.alerts[0].value);
    CHECK(e.alerts[0].state == monitor::AlertState::Inactive);
    CHECK(e.alerts[1].value == Approx(0)); // a count is 0 without requests
    CHECK(e.alerts[1].state == monitor::AlertState::Firing);
}

TEST_CASE("alert delivery: exec hooks, failures and backoff", "[monitor]") {
    CHECK(monitor::delivery_backoff_ms(1) == 5000);
    CHECK(monitor::delivery_backoff_ms(2) == 10000);
    CHECK(monitor::delivery_backoff_ms(7) == 300000);
    CHECK(monitor::delivery_backoff_ms(50) == 300000);

    Store s;
    s.log(3, 3);
    const std::string ok_file = (s.dir.path() / "got.json").string();
    auto config = monitor::parse_alert_config(parse_yaml(
        "alerts:\n  rules:\n    - {name: Hooked, metric: errors, threshold: 0, notify: {exec: "
        "['cat > got.json', 'echo broken >&2; exit 3']}}\n",
        "llmops.yaml"));
    std::int64_t now = s.t0 + 60000;
    monitor::evaluate_alerts(s.project.db(), config, now);
    auto report = monitor::deliver_due(s.project.db(), now, 5, s.dir.path().string());
    REQUIRE(report.attempts.size() == 2);
    CHECK(report.delivered == 1);
    CHECK(report.failed == 1);
    auto got = nlohmann::json::parse(read_file(ok_file));
    CHECK(got["version"] == "4");
    CHECK(got["alerts"][0]["labels"]["alertname"] == "Hooked");
    const auto& failed = report.attempts[1];
    CHECK_FALSE(failed.delivered);
    CHECK(failed.error.find("exit status 3: broken") != std::string::npos);
    CHECK(failed.next_attempt_ms == now + 5000);
    // Not due again before its backoff; due after it.
    CHECK(monitor::deliver_due(s.project.db(), now + 4000, 5, s.dir.path().string())
              .attempts.empty());
    auto again = monitor::deliver_due(s.project.db(), now + 5000, 5, s.dir.path().string());
    REQUIRE(again.attempts.size() == 1);
    CHECK(again.attempts[0].attempts == 2);
    CHECK(again.attempts[0].next_attempt_ms == now + 5000 + 10000);
}

TEST_CASE("schema 12 upgrades a version-11 request log", "[monitor]") {
    testing::TempDir dir;
    auto file = dir.path() / "store.db";
    {
        auto db = store::Database::open(file, true);
        store::migrate(db, 11);
        db.exec("INSERT INTO request_log (seq, id, created_at, env, method, path, route, "
                "release_id, release_number, canary, user_hash, key_name, status, error_kind, "
                "total_ms, queue_ms, upstream_ms, overhead_ms, ttft_ms, prompt_tokens, "
                "completion_tokens, cost_usd, cached, streamed, body_policy) VALUES "
                "(7, 'req_0123456789abcdef01234567', '2026-12-06T01:02:03.456Z', 'prod', 'POST', "
                "'/v1/chat/completions', 'qa', 3, 2, 1, 'f0e1d2c3b4a5968778695a4b3c2d1e0f', "
                "'app', 502, 'upstream_server', 12.5, 0.25, 11.75, 0.5, 3.5, 10, 5, 0.002, 0, 1, "
                "'hash')");
        db.exec("INSERT INTO request_feedback (request_id, name, value_type, value_number, "
                "comment, created_at) VALUES ('req_0123456789abcdef01234567', 'helpful', "
                "'boolean', 1, '', 't')");
        store::migrate(db);
        CHECK(db.user_version() == store::latest_schema_version());
    }
    auto backend = serve::open_store_request_log(file);
    serve::LogFilter all;
    auto rows = backend->list(all);
    REQUIRE(rows.size() == 1);
    const auto& r = rows[0].record;
    CHECK(r.created_at == "2026-12-06T01:02:03.456Z");
    CHECK(serve::request_id_ms(rows[0].seq) == *parse_iso8601_ms("2026-12-06T01:02:03.456Z"));
    CHECK(r.user_hash == "f0e1d2c3b4a59687");
    CHECK(r.route == "qa");
    CHECK(r.release_number == 2);
    CHECK(r.canary);
    CHECK(r.error_kind == "upstream_server");
    CHECK(r.total_ms == Approx(12.5));
    CHECK(*r.ttft_ms == Approx(3.5));
    CHECK(r.cost_usd == Approx(0.002));
    CHECK(r.streamed);
    CHECK(backend->feedback_for(r.id).size() == 1);
    auto spend = backend->usage_by_key();
    REQUIRE(spend.size() == 1);
    CHECK(spend[0].cost_usd == Approx(0.002));
}
