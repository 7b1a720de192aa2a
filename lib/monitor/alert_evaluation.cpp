#include "monitor/alert_evaluation.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "monitor/alert_payloads.hpp"
#include "monitor/drift_rules.hpp"
#include "monitor/window_figures.hpp"

#include <algorithm>

namespace llmops::monitor {

using nlohmann::json;

namespace {

AlertState state_of(const std::string& text) {
    if (text == "pending") return AlertState::Pending;
    if (text == "firing") return AlertState::Firing;
    if (text == "resolved") return AlertState::Resolved;
    return AlertState::Inactive;
}

struct Stored {
    AlertState state = AlertState::Inactive;
    std::optional<std::string> active_since, fired_at, resolved_at, last_sent_at;
};

std::optional<Stored> load_state(store::Database& db, const std::string& fingerprint) {
    auto st = db.prepare("SELECT state, active_since, fired_at, resolved_at, last_sent_at "
                         "FROM alert_states WHERE fingerprint = ?1");
    st.bind(1, fingerprint);
    if (!st.step()) return std::nullopt;
    return Stored{state_of(st.column_text(0)), st.column_optional_text(1),
                  st.column_optional_text(2), st.column_optional_text(3),
                  st.column_optional_text(4)};
}

// The state after this evaluation, from the stored one and whether the condition holds.
void advance(AlertStatus& a, const Stored& before, bool holds, const AlertRule& rule,
             std::int64_t now_ms, const std::string& now) {
    a.previous = before.state;
    a.active_since = before.active_since;
    a.fired_at = before.fired_at;
    a.resolved_at = before.resolved_at;
    switch (before.state) {
    case AlertState::Pending:
    case AlertState::Inactive:
    case AlertState::Resolved:
        if (!holds) {
            a.state = before.state == AlertState::Pending ? AlertState::Inactive : before.state;
            if (before.state == AlertState::Pending) a.active_since.reset();
            return;
        }
        if (before.state != AlertState::Pending) a.active_since = now;
        {
            std::int64_t since = parse_iso8601_ms(*a.active_since).value_or(now_ms);
            if (now_ms - since >= rule.for_ms) {
                a.state = AlertState::Firing;
                a.fired_at = now;
                a.resolved_at.reset();
            } else {
                a.state = AlertState::Pending;
            }
        }
        return;
    case AlertState::Firing:
        if (holds) {
            a.state = AlertState::Firing;
        } else {
            a.state = AlertState::Resolved;
            a.resolved_at = now;
            a.active_since.reset();
        }
        return;
    }
}

class Outbox {
  public:
    Outbox(store::Database& db, std::int64_t now_ms, const std::string& now)
        : now_ms_(now_ms), now_(now),
          insert_(db.prepare("INSERT INTO alert_outbox (fingerprint, receiver, status, payload, "
                             "attempts, next_attempt_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                             "?6, ?7)")),
          failing_(db.prepare("SELECT MAX(attempts), MAX(next_attempt_ms) FROM alert_outbox "
                              "WHERE fingerprint = ?1 AND receiver = ?2 AND delivered_at IS NULL "
                              "AND attempts > 0")),
          supersede_(db.prepare("DELETE FROM alert_outbox WHERE fingerprint = ?1 AND "
                                "receiver = ?2 AND delivered_at IS NULL")) {}

    void add(const AlertStatus& a, const std::string& receiver, const json& payload,
             bool supersede) {
        std::int64_t attempts = 0, next_attempt = now_ms_;
        if (supersede) {
            // The new message takes the place of an unsent one, and of its backoff: a
            // receiver that keeps failing is not tried more often because alerts are resent.
            failing_.bind(1, a.fingerprint).bind(2, receiver);
            if (failing_.step() && !failing_.is_null(0)) {
                attempts = failing_.column_int(0);
                next_attempt = std::max(now_ms_, failing_.column_int(1));
            }
            failing_.reset();
            supersede_.bind(1, a.fingerprint).bind(2, receiver);
            supersede_.run();
            supersede_.reset();
        }
        insert_.bind(1, a.fingerprint)
            .bind(2, receiver)
            .bind(3, a.state == AlertState::Resolved ? "resolved" : "firing")
            .bind(4, payload.dump())
            .bind(5, attempts)
            .bind(6, next_attempt)
            .bind(7, now_);
        insert_.run();
        insert_.reset();
        ++queued;
    }

    std::size_t queued = 0;

  private:
    std::int64_t now_ms_;
    std::string now_;
    store::Statement insert_, failing_, supersede_;
};

} // namespace

std::string to_string(AlertState state) {
    switch (state) {
    case AlertState::Pending:
        return "pending";
    case AlertState::Firing:
        return "firing";
    case AlertState::Resolved:
        return "resolved";
    default:
        return "inactive";
    }
}

Evaluation evaluate_alerts(store::Database& db, const AlertConfig& config, std::int64_t now_ms,
                           store::Project* project) {
    Evaluation out;
    out.at_ms = now_ms;
    const std::string now = iso8601_from_ms(now_ms);
    // Alertmanager resolves a firing alert by itself once endsAt passes without a resend.
    const std::int64_t ends_at =
        now_ms + 4 * std::max(config.resend_every_ms, config.evaluate_every_ms);
    // Every rule's window in one pass over the log (window_figures.hpp).
    // Drift rules run a drift comparison each instead.
    std::vector<WindowSelection> selections;
    std::vector<std::size_t> selection_of(config.rules.size());
    for (std::size_t i = 0; i < config.rules.size(); ++i) {
        const AlertRule& rule = config.rules[i];
        if (rule.drift) continue;
        selection_of[i] = selections.size();
        selections.push_back({rule.selector, rule.window_ms, {rule.metric}});
    }
    const std::vector<WindowFigures> windows = query_windows(db, now_ms, selections);
    for (std::size_t i = 0; i < config.rules.size(); ++i) {
        const AlertRule& rule = config.rules[i];
        AlertStatus a;
        a.rule = rule.name;
        a.labels = alert_labels(rule);
        a.annotations = rule.annotations;
        a.fingerprint = alert_fingerprint(a.labels);
        a.metric = rule.metric;
        a.comparison = to_string(rule.comparison);
        a.threshold = rule.threshold;
        if (rule.drift) {
            if (!project)
                throw_usage("alert rule " + rule.name + " (" + rule.source +
                            ") compares drift and needs the project");
            DriftRuleValue d = evaluate_drift_rule(*project, rule, now_ms);
            a.value = d.value;
            a.note = std::move(d.note);
        } else {
            const WindowFigures& w = windows[selection_of[i]];
            a.value = metric_value(rule.metric, w.figures, w.max_user_cost);
        }
        out.alerts.push_back(std::move(a));
    }

    store::Transaction tx(db);
    Outbox outbox(db, now_ms, now);
    auto save = db.prepare(
        "INSERT INTO alert_states (fingerprint, rule, labels, annotations, state, value, "
        "active_since, fired_at, resolved_at, last_sent_at, evaluated_at) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (fingerprint) DO UPDATE SET "
        "rule = excluded.rule, labels = excluded.labels, annotations = excluded.annotations, "
        "state = excluded.state, value = excluded.value, active_since = excluded.active_since, "
        "fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, "
        "last_sent_at = excluded.last_sent_at, evaluated_at = excluded.evaluated_at");
    auto event = db.prepare("INSERT INTO alert_events (fingerprint, rule, state, value, "
                            "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (std::size_t i = 0; i < config.rules.size(); ++i) {
        const AlertRule& rule = config.rules[i];
        AlertStatus& a = out.alerts[i];
        Stored before = load_state(db, a.fingerprint).value_or(Stored{});
        bool holds = a.value && compare(*a.value, rule.comparison, rule.threshold);
        advance(a, before, holds, rule, now_ms, now);
        std::optional<std::string> last_sent = before.last_sent_at;

        const bool fired = a.state == AlertState::Firing && a.previous != AlertState::Firing;
        const bool resolved = a.state == AlertState::Resolved && a.previous == AlertState::Firing;
        const bool resend = a.state == AlertState::Firing && !fired &&
                            (!last_sent || now_ms - parse_iso8601_ms(*last_sent).value_or(0) >=
                                               config.resend_every_ms);
        if (fired || resolved || resend) {
            json am = json::array({alertmanager_alert(a, ends_at)});
            for (const auto& url : rule.receivers.alertmanagers)
                outbox.add(a, "alertmanager:" + url, am, true);
            last_sent = now;
        }
        if (fired || resolved) {
            for (const auto& url : rule.receivers.webhooks)
                outbox.add(a, "webhook:" + url, webhook_payload(a, "webhook"), false);
            for (const auto& command : rule.receivers.exec)
                outbox.add(a, "exec:" + command, webhook_payload(a, "exec"), false);
        }
        if (a.state == AlertState::Firing) ++out.firing;

        save.bind(1, a.fingerprint)
            .bind(2, a.rule)
            .bind(3, json(a.labels).dump())
            .bind(4, json(a.annotations).dump())
            .bind(5, to_string(a.state))
            .bind(6, a.value)
            .bind(7, a.active_since)
            .bind(8, a.fired_at)
            .bind(9, a.resolved_at)
            .bind(10, last_sent)
            .bind(11, now);
        save.run();
        save.reset();
        if (a.state != a.previous) {
            event.bind(1, a.fingerprint)
                .bind(2, a.rule)
                .bind(3, to_string(a.state))
                .bind(4, a.value)
                .bind(5, now);
            event.run();
            event.reset();
        }
    }
    out.notifications_queued = outbox.queued;
    tx.commit();
    return out;
}

std::vector<AlertEvent> alert_history(store::Database& db, std::int64_t since_ms,
                                      std::int64_t until_ms) {
    auto st = db.prepare("SELECT id, fingerprint, rule, state, value, created_at FROM "
                         "alert_events WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id");
    st.bind(1, iso8601_from_ms(since_ms)).bind(2, iso8601_from_ms(until_ms));
    std::vector<AlertEvent> out;
    while (st.step()) {
        AlertEvent e;
        e.id = st.column_int(0);
        e.fingerprint = st.column_text(1);
        e.rule = st.column_text(2);
        e.state = state_of(st.column_text(3));
        if (!st.is_null(4)) e.value = st.column_double(4);
        e.at = st.column_text(5);
        out.push_back(std::move(e));
    }
    return out;
}

json to_json(const AlertStatus& a) {
    auto opt = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
    return {{"rule", a.rule},
            {"fingerprint", a.fingerprint},
            {"state", to_string(a.state)},
            {"previous", to_string(a.previous)},
            {"metric", a.metric},
            {"comparison", a.comparison},
            {"threshold", a.threshold},
            {"value", a.value ? json(*a.value) : json(nullptr)},
            {"note", a.note.empty() ? json(nullptr) : json(a.note)},
            {"labels", a.labels},
            {"annotations", a.annotations},
            {"active_since", opt(a.active_since)},
            {"fired_at", opt(a.fired_at)},
            {"resolved_at", opt(a.resolved_at)}};
}

json to_json(const Evaluation& e) {
    json alerts = json::array();
    for (const auto& a : e.alerts)
        alerts.push_back(to_json(a));
    return {{"at", iso8601_from_ms(e.at_ms)},
            {"firing", e.firing},
            {"notifications_queued", e.notifications_queued},
            {"alerts", std::move(alerts)}};
}

json to_json(const AlertEvent& e) {
    return {{"id", e.id},
            {"fingerprint", e.fingerprint},
            {"rule", e.rule},
            {"state", to_string(e.state)},
            {"value", e.value ? json(*e.value) : json(nullptr)},
            {"at", e.at}};
}

} // namespace llmops::monitor
