// The environments: map of llmops.yaml: gates, requires, canary defaults, and errors located at
// file:line:column.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "deploy/deployer.hpp"
#include "deploy/environments.hpp"

using namespace llmops::deploy;
using llmops::Error;
using llmops::parse_yaml;

namespace {

EnvironmentCatalog environments_of(const std::string& yaml) {
    return parse_environments(parse_yaml(yaml, "llmops.yaml"), "/proj");
}

Error environments_error_of(const std::string& yaml) {
    try {
        environments_of(yaml);
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an error");
    return Error(llmops::ErrorKind::BadInput, "");
}

} // namespace

TEST_CASE("environments with gates, requires and a canary default", "[deploy]") {
    auto catalog = environments_of(R"(providers: {}
environments:
  staging:
    gates:
      - eval: evals/qa.yaml
      - min_cases: 20
  production:
    requires: staging
    canary: 10
    gates:
      - no_regression: {eval: evals/qa.yaml, metrics: [f1], alpha: 0.01, min_absolute_change: 0.02}
)");
    REQUIRE(catalog.environments.size() == 2);
    const Environment& staging = catalog.get("staging");
    REQUIRE(staging.gates.size() == 2);
    CHECK(staging.gates[0].kind == GateKind::Eval);
    CHECK(staging.gates[0].spec == std::filesystem::path("/proj/evals/qa.yaml"));
    CHECK(staging.gates[1].kind == GateKind::MinCases);
    CHECK(staging.gates[1].min_cases == 20);
    const Environment& production = catalog.get("production");
    CHECK(production.requires_live == std::vector<std::string>{"staging"});
    CHECK(production.canary_percent == 10);
    REQUIRE(production.gates.size() == 1);
    const Gate& g = production.gates[0];
    CHECK(g.kind == GateKind::NoRegression);
    CHECK(g.metrics == std::vector<std::string>{"f1"});
    CHECK(g.alpha == 0.01);
    CHECK(g.min_absolute_change == 0.02);
    CHECK_FALSE(g.min_relative_change.has_value());
    CHECK(g.name() == "no_regression evals/qa.yaml");
}

TEST_CASE("no environments: key gives an empty catalog, and unknown names are usage errors",
          "[deploy]") {
    auto catalog = environments_of("providers: {}\n");
    CHECK(catalog.environments.empty());
    CHECK_THROWS_WITH(catalog.get("production"), Catch::Contains("unknown environment"));
}

TEST_CASE("malformed environments are located", "[deploy]") {
    Error e = environments_error_of("environments:\n  staging:\n    gates:\n      - evl: x.yaml\n");
    CHECK(e.kind() == llmops::ErrorKind::BadInput);
    CHECK(e.where().line == 4);
    e = environments_error_of("environments:\n  prod:\n    canary: 150\n");
    CHECK(e.where().line == 3);
    e = environments_error_of("environments:\n  prod:\n    requires: stagin\n");
    CHECK_THAT(e.message(), Catch::Contains("unknown environment 'stagin'"));
    CHECK(e.where().line == 3);
    e = environments_error_of("environments:\n  a: {requires: b}\n  b: {requires: a}\n");
    CHECK_THAT(e.message(), Catch::Contains("cycle"));
    e = environments_error_of(
        "environments:\n  prod:\n    gates:\n      - {eval: a.yaml, min_cases: 3}\n");
    CHECK(e.where().line == 4);
}

TEST_CASE("points in time for history --at", "[deploy]") {
    CHECK(parse_point_in_time("2026-01-02T03:04:05Z") == "2026-01-02T03:04:05.000Z");
    CHECK(parse_point_in_time("2026-01-02 03:04:05.25+01:00") == "2026-01-02T02:04:05.250Z");
    CHECK(parse_point_in_time("2026-01-02T03:04") == "2026-01-02T03:04:59.999Z");
    CHECK(parse_point_in_time("2026-01-02") == "2026-01-02T23:59:59.999Z");
    CHECK(parse_point_in_time("1h") < parse_point_in_time("1m"));
    CHECK_THROWS_AS(parse_point_in_time("2999-01-01"), Error);
    CHECK_THROWS_AS(parse_point_in_time("2026-02-30"), Error);
    CHECK_THROWS_AS(parse_point_in_time("2026-13-01"), Error);
    CHECK_THROWS_AS(parse_point_in_time("last tuesday"), Error);
}

TEST_CASE("canary_policy: defaults, values, and located errors", "[deploy]") {
    auto catalog =
        environments_of("environments:\n  staging: {}\n  prod:\n    canary: 10\n"
                        "    canary_policy:\n      min_requests: 500\n      alpha: 0.01\n"
                        "      max_error_rate_increase: 0.02\n      max_latency_increase: 0.1\n"
                        "      max_cost_increase: 0.25\n      max_feedback_decrease: 0.05\n"
                        "      schedule: 5m\n      auto: true\n");
    const CanaryPolicy& defaults = catalog.get("staging").canary_policy;
    CHECK(defaults.min_requests == 100);
    CHECK(defaults.alpha == 0.05);
    CHECK(defaults.max_error_rate_increase == 0);
    CHECK_FALSE(defaults.schedule_s.has_value());
    CHECK_FALSE(defaults.auto_apply);
    const CanaryPolicy& p = catalog.get("prod").canary_policy;
    CHECK(p.min_requests == 500);
    CHECK(p.alpha == 0.01);
    CHECK(p.max_error_rate_increase == 0.02);
    CHECK(p.max_latency_increase == 0.1);
    CHECK(p.max_cost_increase == 0.25);
    CHECK(p.max_feedback_decrease == 0.05);
    REQUIRE(p.schedule_s.has_value());
    CHECK(*p.schedule_s == 300);
    CHECK(p.auto_apply);

    Error e = environments_error_of(
        "environments:\n  prod:\n    canary_policy:\n      min_requests: 0\n");
    CHECK(e.kind() == llmops::ErrorKind::BadInput);
    CHECK(e.where().line == 4);
    e = environments_error_of("environments:\n  prod:\n    canary_policy:\n      schedule: soon\n");
    CHECK_THAT(e.message(), Catch::Contains("schedule 'soon'"));
    CHECK(e.where().line == 4);
    e = environments_error_of("environments:\n  prod:\n    canary_policy: {alpha: 1.5}\n");
    CHECK(e.where().line == 3);
    e = environments_error_of("environments:\n  prod:\n    canary_policy:\n      auto: true\n");
    CHECK_THAT(e.message(), Catch::Contains("needs a schedule"));
    CHECK(e.where().line == 4);
    e = environments_error_of("environments:\n  prod:\n    canary_policy:\n      min_request: 5\n");
    CHECK(e.where().line == 4);
}
