#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "monitor/alert_rules.hpp"
#include "monitor/drift_sides.hpp"
#include "json/yaml_document.hpp"

using namespace llmops;

TEST_CASE("logs: sides: route, environment and window", "[monitor][drift]") {
    const std::int64_t now = *parse_iso8601_ms("2026-12-06T12:00:00Z");
    CHECK_FALSE(monitor::parse_log_side("qa@3", now).has_value()); // a dataset

    auto s = *monitor::parse_log_side("logs:qa", now);
    CHECK(s.selector.route == "qa");
    CHECK(s.selector.env.empty());
    CHECK(s.since_ms == now - 24 * 3600000LL);
    CHECK(s.until_ms == now);

    s = *monitor::parse_log_side("logs:*@production:7d..6d", now);
    CHECK(s.selector.route.empty());
    CHECK(s.selector.env == "production");
    CHECK(s.since_ms == now - 7 * 86400000LL);
    CHECK(s.until_ms == now - 6 * 86400000LL);
    CHECK(monitor::log_side_label(s) ==
          "logs:*@production [2026-11-29T12:00:00.000Z, 2026-11-30T12:00:00.000Z)");

    // ISO times hold ':' themselves: only the first ':' after the route separates.
    s = *monitor::parse_log_side("logs:qa@prod:2026-12-01T00:00:00Z..2026-12-02T00:00:00Z", now);
    CHECK(s.since_ms == *parse_iso8601_ms("2026-12-01T00:00:00Z"));
    CHECK(s.until_ms == *parse_iso8601_ms("2026-12-02T00:00:00Z"));

    for (const char* bad : {"logs:", "logs:@prod", "logs:qa@", "logs:qa:", "logs:qa:..1h",
                            "logs:qa:2h..", "logs:qa:1h..2h", "logs:qa:soon"}) {
        INFO(bad);
        try {
            monitor::parse_log_side(bad, now);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Usage);
            CHECK(std::string(e.what()).find(bad) != std::string::npos);
        }
    }
}

TEST_CASE("drift alert rules: the drift section and its checks", "[monitor][drift]") {
    auto parse = [](const std::string& rule) {
        return monitor::parse_alert_config(parse_yaml("alerts:\n  rules:\n" + rule, "llmops.yaml"));
    };
    auto config = parse("    - {name: A, metric: drift, selector: {env: prod, route: qa}, "
                        "drift: {reference: qa@2, columns: [question], drift_share: 1}}\n"
                        "    - {name: B, metric: drift_score.latency_ms, threshold: 0.1, "
                        "drift: {reference_offset: 7d}}\n");
    REQUIRE(config.rules.size() == 2);
    const auto& a = config.rules[0];
    REQUIRE(a.drift);
    CHECK(a.drift->reference == "qa@2");
    CHECK(a.drift->columns == std::vector<std::string>{"question"});
    CHECK(a.drift->drift_share == 1);
    CHECK(a.threshold == 0); // drift: fires when drifted
    CHECK(a.comparison == monitor::Comparison::Greater);
    CHECK(config.rules[1].drift->reference_offset_ms == 7 * 86400000LL);
    CHECK(monitor::is_drift_metric("drift_share"));
    CHECK_FALSE(monitor::is_drift_metric("drift_score."));

    auto error_of = [&parse](const std::string& rule) -> std::string {
        try {
            parse(rule);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::BadInput);
            return e.message() + " @ " + e.where().to_string();
        }
        return "no error";
    };
    CHECK(error_of("    - {name: A, metric: drift}\n").find("needs a drift section") !=
          std::string::npos);
    CHECK(error_of("    - {name: A, metric: drift, drift: {}}\n").find("either reference") !=
          std::string::npos);
    CHECK(error_of("    - {name: A, metric: requests, threshold: 1, drift: {reference: x}}\n")
              .find("only the metrics drift") != std::string::npos);
    CHECK(error_of("    - {name: A, metric: drift, selector: {model: m}, drift: {reference: x}}\n")
              .find("env and route only") != std::string::npos);
    CHECK(error_of("    - {name: A, metric: requests}\n").find("needs a threshold") !=
          std::string::npos);
    CHECK(error_of("    - {name: A, metric: drift, drift: {reference: x, drift_share: 0}}\n") !=
          "no error");
}
