#pragma once
// Alerts inside `llmops serve`: a thread that evaluates the rules every `evaluate_every` and
// sends what is due, on a store connection of its own, so serving never waits for a rule or a
// receiver (docs/monitoring.md#inside-serve).
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "monitor/alert_rules.hpp"
#include "store/database.hpp"

namespace llmops::monitor {

struct AlertLoopOptions {
    store::DatabaseAddress database;
    std::filesystem::path working_dir; // exec hooks run here (the project folder)
    AlertConfig config;
    // One line per failed delivery, per transition and per evaluation error; any thread.
    std::function<void(std::string_view)> note;
};

// Evaluates and delivers until `stop` is set (checked every 100 ms); never throws.
void run_alert_loop(const AlertLoopOptions& options, const std::atomic<bool>& stop);

} // namespace llmops::monitor
