#pragma once
// Evaluating alert rules against the request log and keeping their state in the store
// (alert_states, alert_events): inactive -> pending -> firing -> resolved, so that a rule
// fires once and resolves once however often it is evaluated. Each transition (and, while
// firing, each resend to Alertmanager) puts notifications in the outbox (alert_outbox) that
// alert_delivery.hpp sends. Reference: docs/monitoring.md#alerts.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "monitor/alert_rules.hpp"
#include "store/database.hpp"
#include "store/project.hpp"

namespace llmops::monitor {

enum class AlertState { Inactive, Pending, Firing, Resolved };
std::string to_string(AlertState state);

struct AlertStatus {
    std::string rule;
    std::string fingerprint;
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
    std::string metric;
    std::string comparison;
    double threshold = 0;
    std::optional<double> value; // unset: the window had no value for the metric
    std::string note;            // why a drift rule has no value ("" otherwise)
    AlertState state = AlertState::Inactive;
    AlertState previous = AlertState::Inactive;
    std::optional<std::string> active_since; // when the condition began to hold
    std::optional<std::string> fired_at;
    std::optional<std::string> resolved_at;
};

struct Evaluation {
    std::int64_t at_ms = 0;
    std::vector<AlertStatus> alerts; // in rule order
    std::size_t firing = 0;
    std::size_t notifications_queued = 0;
};

// Evaluates every rule at `now_ms` (every window from one pass over the log: window_figures.hpp),
// then stores states, events and outbox entries in one transaction.
// Drift rules (drift_rules.hpp) need the project (their reference may be a dataset): without
// one they are an Error(Usage).
Evaluation evaluate_alerts(store::Database& db, const AlertConfig& config, std::int64_t now_ms,
                           store::Project* project = nullptr);

// A transition, as stored in alert_events (for history and the dashboard).
struct AlertEvent {
    std::int64_t id = 0;
    std::string fingerprint;
    std::string rule;
    AlertState state = AlertState::Inactive;
    std::optional<double> value;
    std::string at; // ISO 8601
};
// Transitions with since <= at < until, oldest first.
std::vector<AlertEvent> alert_history(store::Database& db, std::int64_t since_ms,
                                      std::int64_t until_ms);

nlohmann::json to_json(const AlertStatus& status);
nlohmann::json to_json(const Evaluation& evaluation);
nlohmann::json to_json(const AlertEvent& event);

} // namespace llmops::monitor
