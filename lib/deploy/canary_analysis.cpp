#include "deploy/canary_analysis.hpp"

#include <cmath>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "stats/proportion_tests.hpp"
#include "stats/statistics.hpp"
#include "stats/two_sample_tests.hpp"

namespace llmops::deploy {

using nlohmann::json;

namespace {

// When the canary started: the first traffic change of the latest unbroken run of changes
// that had this release as the route's canary (a ramp keeps the run going).
std::string canary_start(store::Database& db, const Traffic& traffic) {
    store::Statement st = db.prepare(
        "SELECT created_at FROM deploy_traffic_events WHERE env = ?1 AND route = ?2 "
        "AND canary_release_id = ?3 AND id > COALESCE((SELECT MAX(id) FROM "
        "deploy_traffic_events WHERE env = ?1 AND route = ?2 AND (canary_release_id IS NULL "
        "OR canary_release_id != ?3)), 0) ORDER BY id LIMIT 1");
    st.bind(1, traffic.env).bind(2, traffic.route).bind(3, traffic.canary->id);
    if (!st.step()) return traffic.updated_at;
    return st.column_text(0);
}

// A request counts for its release when it was answered or failed on the server's side;
// refusals that are the client's own doing (4xx: bad fields, keys, limits, 499 disconnects)
// say nothing about a release. An error is a 5xx, or an upstream error kind (a stream that
// failed after its 200 was sent). Request ids are time-ordered (Unix ms << 20, schema 12), so
// "since the canary started" is a range of the log's primary key, `seq`.
constexpr const char* kArmFilter =
    "seq >= ?3 AND env = ?1 AND route = ?2 AND ((canary = 1 AND release_id = ?4) OR "
    "(canary = 0 AND release_id = ?5)) AND (status < 400 OR status >= 500 OR "
    "error_kind LIKE 'upstream\\_%' ESCAPE '\\')";
constexpr int kRequestIdSequenceBits = 20; // serve/request_log.hpp, first_request_id_at

void bind_arms(store::Statement& st, const Traffic& t, const std::string& since) {
    auto since_ms = parse_iso8601_ms(since);
    if (!since_ms) throw Error(ErrorKind::Store, "unreadable canary start time '" + since + "'");
    st.bind(1, t.env)
        .bind(2, t.route)
        .bind(3, *since_ms << kRequestIdSequenceBits)
        .bind(4, t.canary->id)
        .bind(5, t.stable.id);
}

void read_requests(store::Database& db, const Traffic& t, const std::string& since,
                   ArmFigures& stable, ArmFigures& canary) {
    store::Statement st = db.prepare(
        std::string("SELECT canary, status >= 500 OR COALESCE(error_kind, '') LIKE "
                    "'upstream\\_%' ESCAPE '\\', total_ms, cost_usd FROM request_log WHERE ") +
        kArmFilter);
    bind_arms(st, t, since);
    while (st.step()) {
        ArmFigures& arm = st.column_int(0) != 0 ? canary : stable;
        ++arm.requests;
        if (st.column_int(1) != 0)
            ++arm.errors;
        else
            arm.latency_ms.push_back(st.column_double(2));
        arm.cost_usd.push_back(st.column_double(3));
    }
}

void read_feedback(store::Database& db, const Traffic& t, const std::string& since,
                   ArmFigures& stable, ArmFigures& canary) {
    store::Statement st = db.prepare(
        std::string("SELECT l.canary, f.name, f.value_number FROM request_feedback f JOIN "
                    "(SELECT seq, canary FROM request_log WHERE ") +
        kArmFilter +
        ") l ON l.seq = f.request_id WHERE f.value_type IN ('number', 'boolean') ORDER BY f.id");
    bind_arms(st, t, since);
    while (st.step())
        (st.column_int(0) != 0 ? canary : stable)
            .feedback[st.column_text(1)]
            .push_back(st.column_double(2));
}

void summarise(ArmFigures& arm) {
    if (arm.requests > 0)
        arm.error_rate = static_cast<double>(arm.errors) / static_cast<double>(arm.requests);
    if (!arm.latency_ms.empty()) {
        auto p = stats::percentiles(arm.latency_ms, {50, 95, 99});
        arm.latency_p50_ms = p[0];
        arm.latency_p95_ms = p[1];
        arm.latency_p99_ms = p[2];
    }
    if (!arm.cost_usd.empty()) arm.cost_per_request = stats::mean(arm.cost_usd);
}

std::string percent(double rate) {
    return fmt::format("{:.2f}%", 100.0 * rate);
}

std::string p_text(double p) {
    return p < 0.0001 ? std::string("p < 0.0001") : fmt::format("p = {:.4f}", p);
}

// P(canary > stable) + P(equal) / 2 = U / (n_canary n_stable): 0.5 when neither tends larger.
double prob_first_greater(const stats::TwoSampleResult& u, const std::vector<double>& first,
                          const std::vector<double>& second) {
    return u.statistic / (static_cast<double>(first.size()) * static_cast<double>(second.size()));
}

void judge(CanaryComparison& c, double p, bool worse, bool beyond, double alpha) {
    c.tested = true;
    c.p_value = p;
    c.canary_worse = worse;
    c.significant = p < alpha;
    c.beyond_tolerance = beyond;
    c.failed = c.significant && worse && beyond;
}

CanaryComparison compare_errors(const ArmFigures& s, const ArmFigures& c,
                                const CanaryPolicy& policy) {
    CanaryComparison out;
    out.metric = "error_rate";
    out.stable_value = s.error_rate;
    out.canary_value = c.error_rate;
    if (s.requests == 0 || c.requests == 0) {
        out.detail = "not tested: an arm has no requests";
        return out;
    }
    auto r = stats::compare_proportions(s.errors, s.requests, c.errors, c.requests);
    out.test = r.exact ? "Fisher exact" : "two-proportion z";
    out.statistic = r.statistic;
    judge(out, r.p_value, c.error_rate > s.error_rate,
          c.error_rate - s.error_rate > policy.max_error_rate_increase, policy.alpha);
    out.detail = fmt::format("canary {} ({}/{}) vs stable {} ({}/{}); {}, {}",
                             percent(c.error_rate), c.errors, c.requests, percent(s.error_rate),
                             s.errors, s.requests, out.test, p_text(r.p_value));
    return out;
}

CanaryComparison compare_latency(const ArmFigures& s, const ArmFigures& c,
                                 const CanaryPolicy& policy) {
    CanaryComparison out;
    out.metric = "latency";
    if (s.latency_ms.empty() || c.latency_ms.empty()) {
        out.detail = "not tested: an arm has no request without error";
        return out;
    }
    out.stable_value = *s.latency_p95_ms;
    out.canary_value = *c.latency_p95_ms;
    auto r = stats::mann_whitney_u(c.latency_ms, s.latency_ms);
    const double slower = prob_first_greater(r, c.latency_ms, s.latency_ms);
    out.test = "Mann-Whitney U";
    out.statistic = r.statistic;
    judge(out, r.p_value, slower > 0.5,
          out.canary_value > out.stable_value * (1.0 + policy.max_latency_increase), policy.alpha);
    out.detail = fmt::format("p95 canary {:.1f} ms vs stable {:.1f} ms, p50 {:.1f} vs {:.1f} ms; "
                             "P(canary slower) = {:.3f}, {}",
                             out.canary_value, out.stable_value, *c.latency_p50_ms,
                             *s.latency_p50_ms, slower, p_text(r.p_value));
    return out;
}

CanaryComparison compare_cost(const ArmFigures& s, const ArmFigures& c,
                              const CanaryPolicy& policy) {
    CanaryComparison out;
    out.metric = "cost";
    out.stable_value = s.cost_per_request;
    out.canary_value = c.cost_per_request;
    if (s.cost_usd.empty() || c.cost_usd.empty()) {
        out.detail = "not tested: an arm has no requests";
        return out;
    }
    auto r = stats::mann_whitney_u(c.cost_usd, s.cost_usd);
    out.test = "Mann-Whitney U";
    out.statistic = r.statistic;
    judge(out, r.p_value, prob_first_greater(r, c.cost_usd, s.cost_usd) > 0.5,
          out.canary_value > out.stable_value * (1.0 + policy.max_cost_increase), policy.alpha);
    out.detail = fmt::format("per request canary ${:.6f} vs stable ${:.6f}; {}", out.canary_value,
                             out.stable_value, p_text(r.p_value));
    return out;
}

CanaryComparison compare_feedback(const std::string& name, const std::vector<double>* s,
                                  const std::vector<double>* c, const CanaryPolicy& policy) {
    CanaryComparison out;
    out.metric = "feedback " + name;
    if (s) out.stable_value = stats::mean(*s);
    if (c) out.canary_value = stats::mean(*c);
    if (!s || !c) {
        out.detail = fmt::format("not tested: no '{}' scores for the {}", name,
                                 s ? "canary" : "stable release");
        return out;
    }
    auto r = stats::mann_whitney_u(*c, *s);
    out.test = "Mann-Whitney U";
    out.statistic = r.statistic;
    judge(out, r.p_value, prob_first_greater(r, *c, *s) < 0.5,
          out.canary_value < out.stable_value - policy.max_feedback_decrease, policy.alpha);
    out.detail =
        fmt::format("mean canary {:.4g} (n={}) vs stable {:.4g} (n={}); {}", out.canary_value,
                    c->size(), out.stable_value, s->size(), p_text(r.p_value));
    return out;
}

void decide(CanaryAnalysis& a) {
    const auto min = a.policy.min_requests;
    if (a.canary.requests < min || a.stable.requests < min) {
        a.verdict = "hold";
        a.reason = fmt::format("too little data: canary {}, stable {} requests since {}; the "
                               "policy needs {} per arm",
                               a.canary.requests, a.stable.requests, a.since, min);
        return;
    }
    std::string worse;
    for (const auto& c : a.comparisons)
        if (c.failed) worse += (worse.empty() ? "" : ", ") + c.metric;
    if (!worse.empty()) {
        a.verdict = "rollback";
        a.reason = "the canary is significantly worse on " + worse;
        return;
    }
    a.verdict = "promote";
    a.reason = fmt::format("no significant regression over {} canary and {} stable requests",
                           a.canary.requests, a.stable.requests);
}

json optional_number(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

json arm_to_json(const ArmFigures& arm) {
    json feedback = json::object();
    for (const auto& [name, values] : arm.feedback)
        feedback[name] = {{"count", values.size()}, {"mean", stats::mean(values)}};
    double total_cost = 0;
    for (double c : arm.cost_usd)
        total_cost += c;
    return {{"release", release_to_json(arm.release)},
            {"requests", arm.requests},
            {"errors", arm.errors},
            {"error_rate", arm.error_rate},
            {"latency_ms",
             {{"samples", arm.latency_ms.size()},
              {"p50", optional_number(arm.latency_p50_ms)},
              {"p95", optional_number(arm.latency_p95_ms)},
              {"p99", optional_number(arm.latency_p99_ms)}}},
            {"cost_usd", total_cost},
            {"cost_per_request", arm.cost_per_request},
            {"feedback", feedback}};
}

json comparison_to_json(const CanaryComparison& c) {
    return {
        {"metric", c.metric},
        {"test", c.test.empty() ? json(nullptr) : json(c.test)},
        {"tested", c.tested},
        {"statistic", c.tested && std::isfinite(c.statistic) ? json(c.statistic) : json(nullptr)},
        {"p_value", c.tested ? json(c.p_value) : json(nullptr)},
        {"stable", c.stable_value},
        {"canary", c.canary_value},
        {"canary_worse", c.canary_worse},
        {"significant", c.significant},
        {"beyond_tolerance", c.beyond_tolerance},
        {"failed", c.failed},
        {"detail", c.detail}};
}

json policy_to_json(const CanaryPolicy& p) {
    return {{"min_requests", p.min_requests},
            {"alpha", p.alpha},
            {"max_error_rate_increase", p.max_error_rate_increase},
            {"max_latency_increase", p.max_latency_increase},
            {"max_cost_increase", p.max_cost_increase},
            {"max_feedback_decrease", p.max_feedback_decrease},
            {"schedule_s", optional_number(p.schedule_s)},
            {"auto", p.auto_apply}};
}

} // namespace

CanaryAnalysis analyse_canary(store::Database& db, const std::string& env, const std::string& route,
                              const CanaryPolicy& policy) {
    auto traffic = load_traffic(db, env, route);
    if (!traffic)
        throw Error(ErrorKind::Usage, "nothing is deployed to route '" + route + "' in " + env, {},
                    "see llmops deploy status");
    if (!traffic->canary)
        throw Error(ErrorKind::Usage, "route '" + route + "' in " + env + " has no canary to check",
                    {}, "start one with llmops deploy PROMPT --env " + env + " --canary PCT");
    CanaryAnalysis a;
    a.traffic = *traffic;
    a.policy = policy;
    a.since = canary_start(db, a.traffic);
    a.until = now_iso8601();
    a.stable.release = a.traffic.stable;
    a.canary.release = *a.traffic.canary;
    read_requests(db, a.traffic, a.since, a.stable, a.canary);
    read_feedback(db, a.traffic, a.since, a.stable, a.canary);
    summarise(a.stable);
    summarise(a.canary);

    a.comparisons.push_back(compare_errors(a.stable, a.canary, policy));
    a.comparisons.push_back(compare_latency(a.stable, a.canary, policy));
    a.comparisons.push_back(compare_cost(a.stable, a.canary, policy));
    std::map<std::string, int> names;
    for (const auto* arm : {&a.stable, &a.canary})
        for (const auto& [name, values] : arm->feedback)
            names[name] = 1;
    for (const auto& [name, _] : names) {
        auto s = a.stable.feedback.find(name);
        auto c = a.canary.feedback.find(name);
        a.comparisons.push_back(
            compare_feedback(name, s == a.stable.feedback.end() ? nullptr : &s->second,
                             c == a.canary.feedback.end() ? nullptr : &c->second, policy));
    }
    decide(a);
    return a;
}

CanaryCheckResult check_canary(store::Project& project, const Environment& env,
                               const std::string& route, bool apply, bool record_hold) {
    CanaryCheckResult result;
    result.analysis = analyse_canary(project.db(), env.name, route, env.canary_policy);
    const CanaryAnalysis& a = result.analysis;
    if (!apply || (a.verdict == "hold" && !record_hold)) return result;
    std::string message = "deploy check: " + a.verdict + " release " +
                          std::to_string(a.canary.release.number) + ": " + a.reason;
    CanaryVerdictRecord record =
        record_canary_verdict(project, a.traffic, a.verdict, message, canary_evidence_to_json(a));
    result.applied = true;
    result.attempt_id = record.attempt_id;
    result.change = std::move(record.change);
    return result;
}

json canary_evidence_to_json(const CanaryAnalysis& a) {
    json out = json::array();
    const bool enough = a.verdict != "hold";
    out.push_back({{"gate", fmt::format("min_requests {}", a.policy.min_requests)},
                   {"passed", enough},
                   {"detail", fmt::format("canary {}, stable {} requests since {}",
                                          a.canary.requests, a.stable.requests, a.since)},
                   {"figures",
                    {{"since", a.since},
                     {"until", a.until},
                     {"stable", arm_to_json(a.stable)},
                     {"canary", arm_to_json(a.canary)}}}});
    for (const auto& c : a.comparisons)
        out.push_back({{"gate", c.metric},
                       {"passed", !c.failed},
                       {"detail", c.detail},
                       {"figures", comparison_to_json(c)}});
    return out;
}

json canary_check_to_json(const CanaryCheckResult& r) {
    const CanaryAnalysis& a = r.analysis;
    json comparisons = json::array();
    for (const auto& c : a.comparisons)
        comparisons.push_back(comparison_to_json(c));
    return {{"env", a.traffic.env},
            {"route", a.traffic.route},
            {"canary_percent", a.traffic.canary_percent},
            {"since", a.since},
            {"until", a.until},
            {"verdict", a.verdict},
            {"reason", a.reason},
            {"policy", policy_to_json(a.policy)},
            {"stable", arm_to_json(a.stable)},
            {"canary", arm_to_json(a.canary)},
            {"comparisons", comparisons},
            {"applied", r.applied},
            {"attempt", r.applied ? json(r.attempt_id) : json(nullptr)},
            {"change", r.change ? traffic_change_to_json(*r.change) : json(nullptr)}};
}

} // namespace llmops::deploy
