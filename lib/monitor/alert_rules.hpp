#pragma once
// Alert rules: the `alerts:` section of llmops.yaml (docs/monitoring.md#alerts). Each rule
// compares one metric of a selection of the request log over a window with a threshold; it
// fires once the comparison has held for its `for:` duration. Parsing checks everything
// (metric, durations, selector, receivers) before anything is evaluated.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "monitor/request_metrics.hpp"
#include "json/yaml_document.hpp"

namespace llmops::monitor {

enum class Comparison { Greater, GreaterOrEqual, Less, LessOrEqual, Equal, NotEqual };

// Where notifications go. Empty: nowhere (the state is still kept).
struct Receivers {
    std::vector<std::string> alertmanagers; // base URLs; alerts are POSTed to URL/api/v2/alerts
    std::vector<std::string> webhooks;      // URLs receiving Alertmanager's version-4 payload
    std::vector<std::string> exec;          // shell commands reading the payload on stdin
    bool empty() const { return alertmanagers.empty() && webhooks.empty() && exec.empty(); }
};

// A drift rule's comparison (docs/monitoring.md#drift-rules): the rule's selection of the log
// over its window (current) against a dataset version or the same selection earlier.
struct DriftCheck {
    std::string reference;                // a dataset reference; empty with an offset
    std::int64_t reference_offset_ms = 0; // > 0: the window ending this long before now
    std::vector<std::string> columns;     // empty: the input variables
    double drift_share = 0.5;
};

struct AlertRule {
    std::string name;
    std::string metric; // one of alert_metric_names(), or error_rate.KIND, feedback_mean.NAME ...
    Selector selector;
    std::int64_t window_ms = 300000;
    Comparison comparison = Comparison::Greater;
    double threshold = 0;
    std::int64_t for_ms = 0;
    std::string severity = "warning";
    std::map<std::string, std::string> labels;      // the rule's own, besides those below
    std::map<std::string, std::string> annotations; // summary, description ...
    Receivers receivers;                            // the rule's `notify:`, else the section's
    std::optional<DriftCheck> drift;                // set for drift, drift_share, drift_score.C
    std::string source;                             // "llmops.yaml:12:5", for messages
};

struct AlertConfig {
    std::vector<AlertRule> rules;
    std::int64_t evaluate_every_ms = 30000; // inside `serve`
    std::int64_t resend_every_ms = 60000;   // firing alerts to Alertmanager
    double delivery_timeout_s = 10;
};

// The metric names a rule may use; "error_rate.", "feedback_mean." and "feedback_count." take
// a suffix (an error kind, a feedback name).
const std::vector<std::string>& alert_metric_names();

// drift, drift_share and drift_score.COLUMN: computed by a drift comparison (drift_rules.hpp),
// not from the window's figures.
bool is_drift_metric(const std::string& metric);

// The value of a metric from a window's figures; nullopt when the figures have none (a
// latency without requests, a feedback name nobody sent). `max_user_cost` serves
// user_cost_usd.
std::optional<double> metric_value(const std::string& metric, const Figures& figures,
                                   std::optional<double> max_user_cost);

bool compare(double value, Comparison comparison, double threshold);
std::string to_string(Comparison comparison);

// The labels an alert carries: alertname, severity, the selector's fields and the rule's
// labels (the rule's win over the selector's).
std::map<std::string, std::string> alert_labels(const AlertRule& rule);
// A stable identity of the labels: 16 hex digits of the XXH3-128 of "name=value\n" lines,
// sorted by name.
std::string alert_fingerprint(const std::map<std::string, std::string>& labels);

// The `alerts:` section; no section gives no rules. Error(BadInput) at file:line:column for
// anything invalid (unknown metric, bad duration, bad selector, duplicate name).
AlertConfig parse_alert_config(const YamlDocument& document);
AlertConfig load_alert_config(const std::filesystem::path& config_file);

} // namespace llmops::monitor
