#pragma once
// Sends what evaluate_alerts put in the outbox (alert_outbox): POSTs to Alertmanager and
// webhooks through libcurl (http::HttpTransport), runs exec hooks with the payload on stdin.
// A failure is recorded and retried with exponential backoff (5 s, 10 s, 20 s ... at most
// 5 min between tries, 20 tries); no network wait ever holds the store's write lock.
// Reference: docs/monitoring.md#delivery.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.hpp"

namespace llmops::monitor {

struct DeliveryAttempt {
    std::string receiver; // "alertmanager:URL", "webhook:URL", "exec:COMMAND"
    std::string fingerprint;
    std::string status; // firing, resolved
    bool delivered = false;
    int attempts = 0;     // tries so far, this one included
    std::string error;    // when not delivered
    bool gave_up = false; // no further try
    std::int64_t next_attempt_ms = 0;
};

struct DeliveryReport {
    std::vector<DeliveryAttempt> attempts;
    std::size_t delivered = 0;
    std::size_t failed = 0;
};

constexpr int kMaxDeliveryAttempts = 20;
// The pause after the n-th failed try (n >= 1).
std::int64_t delivery_backoff_ms(int failed_attempts);

// Sends every outbox entry due at `now_ms`, at most `timeout_s` each (HTTP in parallel, exec
// hooks one after another), and records the outcomes. `working_dir`: where exec hooks run
// (the project folder).
DeliveryReport deliver_due(store::Database& db, std::int64_t now_ms, double timeout_s,
                           const std::string& working_dir);

// Runs `command` with /bin/sh -c in `working_dir`, `input` on its stdin, for at most
// `timeout_s`; returns "" on exit status 0, else what went wrong (with the end of its stderr).
std::string run_exec_hook(const std::string& command, const std::string& input,
                          const std::string& working_dir, double timeout_s,
                          const std::vector<std::pair<std::string, std::string>>& env);

nlohmann::json to_json(const DeliveryReport& report);

} // namespace llmops::monitor
