#include "monitor/alert_payloads.hpp"

#include "core/time.hpp"

namespace llmops::monitor {

using nlohmann::json;

namespace {

// Alertmanager's zero time: "not ended" in a webhook alert.
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

std::string generator_url(const AlertStatus& alert) {
    // No web UI to link to: a pointer to the command that shows the alert.
    return "llmops://monitor/check?alert=" + alert.rule;
}

} // namespace

json alertmanager_alert(const AlertStatus& alert, std::int64_t ends_at_ms) {
    json out = {{"labels", alert.labels},
                {"annotations", alert.annotations},
                {"generatorURL", generator_url(alert)}};
    if (alert.fired_at) out["startsAt"] = *alert.fired_at;
    if (alert.state == AlertState::Resolved && alert.resolved_at)
        out["endsAt"] = *alert.resolved_at;
    else
        out["endsAt"] = iso8601_from_ms(ends_at_ms);
    return out;
}

json webhook_payload(const AlertStatus& alert, const std::string& receiver) {
    const bool resolved = alert.state == AlertState::Resolved;
    const std::string status = resolved ? "resolved" : "firing";
    json item = {{"status", status},
                 {"labels", alert.labels},
                 {"annotations", alert.annotations},
                 {"startsAt", alert.fired_at.value_or(kZeroTime)},
                 {"endsAt", resolved && alert.resolved_at ? *alert.resolved_at : kZeroTime},
                 {"generatorURL", generator_url(alert)},
                 {"fingerprint", alert.fingerprint}};
    json group_labels = {{"alertname", alert.rule}};
    return {{"version", "4"},
            {"groupKey", "{}:{alertname=\"" + alert.rule + "\"}"},
            {"truncatedAlerts", 0},
            {"status", status},
            {"receiver", receiver},
            {"groupLabels", std::move(group_labels)},
            {"commonLabels", alert.labels},
            {"commonAnnotations", alert.annotations},
            {"externalURL", ""},
            {"alerts", json::array({std::move(item)})}};
}

} // namespace llmops::monitor
