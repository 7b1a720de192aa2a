#pragma once
// The shapes notifications are sent in: Alertmanager's API (POST /api/v2/alerts, a list of
// postable alerts, as Prometheus sends) and Alertmanager's webhook payload, version 4, which
// direct webhooks and exec hooks receive (docs/monitoring.md#delivery).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "monitor/alert_evaluation.hpp"

namespace llmops::monitor {

// One postable alert: {labels, annotations, startsAt, endsAt, generatorURL}. Firing: endsAt =
// `ends_at_ms` (Alertmanager resolves it itself if no resend comes by then); resolved: endsAt
// = the resolve time.
nlohmann::json alertmanager_alert(const AlertStatus& alert, std::int64_t ends_at_ms);

// Alertmanager's webhook body, version 4, for one alert: {version, groupKey, truncatedAlerts,
// status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts: [{status,
// labels, annotations, startsAt, endsAt, generatorURL, fingerprint}]}.
nlohmann::json webhook_payload(const AlertStatus& alert, const std::string& receiver);

} // namespace llmops::monitor
