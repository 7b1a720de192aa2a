#include "monitor/alert_loop.hpp"

#include "core/time.hpp"
#include "monitor/alert_delivery.hpp"
#include "monitor/alert_evaluation.hpp"
#include "store/database.hpp"
#include "store/project.hpp"

#include <algorithm>
#include <optional>

#include <chrono>
#include <exception>
#include <fmt/format.h>
#include <thread>

namespace llmops::monitor {

namespace {

void note_delivery(const AlertLoopOptions& options, const DeliveryReport& report) {
    if (!options.note) return;
    for (const auto& a : report.attempts) {
        if (a.delivered) continue;
        options.note(fmt::format(
            "alerts: delivery of {} ({}) to {} failed (try {}): {}{}", a.fingerprint, a.status,
            a.receiver, a.attempts, a.error,
            a.gave_up ? "; giving up"
                      : fmt::format("; retry at {}", iso8601_from_ms(a.next_attempt_ms))));
    }
}

} // namespace

void run_alert_loop(const AlertLoopOptions& options, const std::atomic<bool>& stop) {
    if (options.config.rules.empty()) return;
    const bool has_drift_rules =
        std::any_of(options.config.rules.begin(), options.config.rules.end(),
                    [](const AlertRule& r) { return r.drift.has_value(); });
    std::int64_t next_evaluation = 0;
    std::int64_t next_delivery = 0;
    while (!stop.load()) {
        const std::int64_t now = now_unix_ms();
        if (now >= next_evaluation || now >= next_delivery) {
            try {
                store::Database db = store::Database::open(options.database, false);
                if (now >= next_evaluation) {
                    // Drift rules read datasets: the project, opened without a lock.
                    std::optional<store::Project> project;
                    if (has_drift_rules)
                        project.emplace(
                            store::Project::open(store::ProjectPaths::for_root(options.working_dir),
                                                 store::StoreAccess::Read));
                    Evaluation e =
                        evaluate_alerts(db, options.config, now, project ? &*project : nullptr);
                    for (const auto& a : e.alerts)
                        if (a.state != a.previous && options.note)
                            options.note(fmt::format(
                                "alerts: {} is {} (value {})", a.rule, to_string(a.state),
                                a.value ? fmt::format("{:g}", *a.value) : std::string("none")));
                    next_evaluation = now + options.config.evaluate_every_ms;
                }
                note_delivery(options, deliver_due(db, now, options.config.delivery_timeout_s,
                                                   options.working_dir.string()));
            } catch (const std::exception& e) {
                if (options.note) options.note(std::string("alerts: ") + e.what());
                next_evaluation = now + options.config.evaluate_every_ms;
            }
            // Retries come due between evaluations: look again within a second.
            next_delivery = now_unix_ms() + 1000;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

} // namespace llmops::monitor
