// Parsing and checking of `alerts:` (docs/monitoring.md#alerts): a JSON Schema for the shape
// (its errors carry file:line:column), then the meaning of each value (metric names,
// durations), so that a bad rule stops `monitor check` before anything is evaluated.
#include "monitor/alert_rules.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "monitor/time_window.hpp"
#include "store/project_config.hpp"
#include "json/json_schema.hpp"

#include <cmath>
#include <set>

namespace llmops::monitor {

using nlohmann::json;

namespace {

constexpr const char* kAlertsSchema = R"json({
  "type": "object",
  "properties": {
    "alerts": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "evaluate_every": {"$ref": "#/$defs/duration"},
        "resend_every": {"$ref": "#/$defs/duration"},
        "delivery_timeout": {"$ref": "#/$defs/duration"},
        "notify": {"$ref": "#/$defs/notify"},
        "rules": {
          "type": "array",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "metric"],
            "properties": {
              "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]*$"},
              "metric": {"type": "string", "minLength": 1},
              "selector": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "env": {"type": "string", "minLength": 1},
                  "route": {"type": "string", "minLength": 1},
                  "release": {"type": "integer", "minimum": 1},
                  "provider": {"type": "string", "minLength": 1},
                  "model": {"type": "string", "minLength": 1},
                  "key": {"type": "string", "minLength": 1},
                  "status": {"type": "integer", "minimum": 100, "maximum": 599}
                }
              },
              "window": {"$ref": "#/$defs/duration"},
              "comparison": {"enum": [">", ">=", "<", "<=", "==", "!="]},
              "threshold": {"type": "number"},
              "for": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]},
              "severity": {"type": "string", "minLength": 1},
              "labels": {"type": "object", "additionalProperties": {"type": "string"}},
              "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
              "notify": {"$ref": "#/$defs/notify"},
              "drift": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "reference": {"type": "string", "minLength": 1},
                  "reference_offset": {"$ref": "#/$defs/duration"},
                  "columns": {"type": "array", "items": {"type": "string", "minLength": 1}},
                  "drift_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
                }
              }
            }
          }
        }
      }
    }
  },
  "$defs": {
    "duration": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}]},
    "urls": {
      "anyOf": [
        {"type": "string", "pattern": "^https?://"},
        {"type": "array", "items": {"type": "string", "pattern": "^https?://"}}
      ]
    },
    "notify": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "alertmanager": {"$ref": "#/$defs/urls"},
        "webhook": {"$ref": "#/$defs/urls"},
        "exec": {
          "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}}
          ]
        }
      }
    }
  }
})json";

const JsonSchema& alerts_schema() {
    static const JsonSchema schema = JsonSchema::compile(json::parse(kAlertsSchema));
    return schema;
}

std::int64_t duration_at(const YamlDocument& doc, const json& value, const std::string& pointer,
                         bool zero_allowed) {
    if (value.is_number()) {
        double seconds = value.get<double>();
        if (std::isfinite(seconds) && seconds >= 0 && seconds < 3.2e9 &&
            (zero_allowed || seconds > 0))
            return static_cast<std::int64_t>(std::llround(seconds * 1000));
    } else {
        const std::string text = value.get<std::string>();
        if (zero_allowed && (text == "0" || text == "0s")) return 0;
        if (auto ms = parse_duration_ms(text)) return *ms;
    }
    throw Error(ErrorKind::BadInput,
                pointer + ": not a duration (30s, 5m, 1h, 7d): " + value.dump(),
                doc.location_of(pointer));
}

std::vector<std::string> strings_of(const json& value) {
    if (value.is_string()) return {value.get<std::string>()};
    return value.get<std::vector<std::string>>();
}

Receivers receivers_of(const json& notify) {
    Receivers r;
    if (notify.contains("alertmanager")) r.alertmanagers = strings_of(notify["alertmanager"]);
    if (notify.contains("webhook")) r.webhooks = strings_of(notify["webhook"]);
    if (notify.contains("exec")) r.exec = strings_of(notify["exec"]);
    return r;
}

const std::vector<std::string>& suffixed_metrics() {
    static const std::vector<std::string> prefixes = {"error_rate.", "feedback_mean.",
                                                      "feedback_count."};
    return prefixes;
}

bool metric_known(const std::string& metric) {
    if (is_drift_metric(metric)) return true;
    const auto& names = alert_metric_names();
    if (std::find(names.begin(), names.end(), metric) != names.end()) return true;
    for (const auto& prefix : suffixed_metrics())
        if (metric.size() > prefix.size() && metric.rfind(prefix, 0) == 0) return true;
    return false;
}

Comparison comparison_of(const std::string& text) {
    if (text == ">=") return Comparison::GreaterOrEqual;
    if (text == "<") return Comparison::Less;
    if (text == "<=") return Comparison::LessOrEqual;
    if (text == "==") return Comparison::Equal;
    if (text == "!=") return Comparison::NotEqual;
    return Comparison::Greater;
}

std::optional<double> latency_value(const LatencyFigures& l, int p) {
    return p == 50 ? l.p50 : p == 95 ? l.p95 : l.p99;
}

DriftCheck drift_check_of(const YamlDocument& document, const json& d, const std::string& at) {
    DriftCheck check;
    const bool has_reference = d.contains("reference");
    const bool has_offset = d.contains("reference_offset");
    if (has_reference == has_offset)
        throw Error(ErrorKind::BadInput,
                    at + ": give either reference (a dataset) or reference_offset (an earlier "
                         "window of the same selection)",
                    document.location_of(at));
    if (has_reference) check.reference = d["reference"].get<std::string>();
    if (has_offset)
        check.reference_offset_ms =
            duration_at(document, d["reference_offset"], at + "/reference_offset", false);
    if (d.contains("columns")) check.columns = d["columns"].get<std::vector<std::string>>();
    if (d.contains("drift_share")) check.drift_share = d["drift_share"].get<double>();
    return check;
}

} // namespace

bool is_drift_metric(const std::string& metric) {
    return metric == "drift" || metric == "drift_share" ||
           (metric.size() > 12 && metric.rfind("drift_score.", 0) == 0);
}

const std::vector<std::string>& alert_metric_names() {
    static const std::vector<std::string> names = {"requests",
                                                   "requests_per_second",
                                                   "errors",
                                                   "error_rate",
                                                   "latency_p50_ms",
                                                   "latency_p95_ms",
                                                   "latency_p99_ms",
                                                   "upstream_p50_ms",
                                                   "upstream_p95_ms",
                                                   "upstream_p99_ms",
                                                   "queue_p50_ms",
                                                   "queue_p95_ms",
                                                   "queue_p99_ms",
                                                   "ttft_p50_ms",
                                                   "ttft_p95_ms",
                                                   "prompt_tokens",
                                                   "completion_tokens",
                                                   "tokens",
                                                   "output_tokens_per_second",
                                                   "cost_usd",
                                                   "user_cost_usd",
                                                   "cache_hit_rate",
                                                   "flagged",
                                                   "flagged_rate"};
    return names;
}

std::optional<double> metric_value(const std::string& metric, const Figures& f,
                                   std::optional<double> max_user_cost) {
    auto count = [](std::uint64_t n) { return static_cast<double>(n); };
    if (metric == "requests") return count(f.requests);
    if (metric == "requests_per_second") return f.requests_per_second;
    if (metric == "errors") return count(f.errors);
    if (metric == "error_rate") return f.error_rate;
    if (metric == "prompt_tokens") return count(f.prompt_tokens);
    if (metric == "completion_tokens") return count(f.completion_tokens);
    if (metric == "tokens") return count(f.prompt_tokens + f.completion_tokens);
    if (metric == "output_tokens_per_second") return f.output_tokens_per_second;
    if (metric == "cost_usd") return f.cost_usd;
    if (metric == "user_cost_usd") return max_user_cost;
    if (metric == "flagged") return count(f.flagged);
    if (metric == "flagged_rate") return f.flagged_rate;
    if (metric == "cache_hit_rate")
        return f.successes ? std::optional<double>(f.cache_hit_rate) : std::nullopt;
    struct Latency {
        const char* prefix;
        const LatencyFigures Figures::*member;
    };
    static constexpr Latency latencies[] = {{"latency_p", &Figures::total_ms},
                                            {"upstream_p", &Figures::upstream_ms},
                                            {"queue_p", &Figures::queue_ms},
                                            {"ttft_p", &Figures::ttft_ms}};
    for (const auto& l : latencies) {
        std::string prefix = l.prefix;
        if (metric.rfind(prefix, 0) != 0) continue;
        int p = std::atoi(metric.c_str() + prefix.size());
        return latency_value(f.*(l.member), p);
    }
    if (metric.rfind("error_rate.", 0) == 0) {
        if (!f.requests) return 0.0;
        auto it = f.errors_by_kind.find(metric.substr(11));
        return it == f.errors_by_kind.end() ? 0.0 : count(it->second) / count(f.requests);
    }
    for (const char* prefix : {"feedback_mean.", "feedback_count."}) {
        std::string p = prefix;
        if (metric.rfind(p, 0) != 0) continue;
        std::string name = metric.substr(p.size());
        for (const auto& fb : f.feedback)
            if (fb.name == name)
                return p == "feedback_count." ? std::optional<double>(count(fb.count)) : fb.mean;
        return p == "feedback_count." ? std::optional<double>(0.0) : std::nullopt;
    }
    return std::nullopt;
}

bool compare(double value, Comparison comparison, double threshold) {
    switch (comparison) {
    case Comparison::Greater:
        return value > threshold;
    case Comparison::GreaterOrEqual:
        return value >= threshold;
    case Comparison::Less:
        return value < threshold;
    case Comparison::LessOrEqual:
        return value <= threshold;
    case Comparison::Equal:
        return value == threshold;
    default:
        return value != threshold;
    }
}

std::string to_string(Comparison comparison) {
    static const char* texts[] = {">", ">=", "<", "<=", "==", "!="};
    return texts[static_cast<int>(comparison)];
}

std::map<std::string, std::string> alert_labels(const AlertRule& rule) {
    std::map<std::string, std::string> labels;
    const Selector& s = rule.selector;
    if (!s.env.empty()) labels["env"] = s.env;
    if (!s.route.empty()) labels["route"] = s.route;
    if (s.release) labels["release"] = std::to_string(*s.release);
    if (!s.provider.empty()) labels["provider"] = s.provider;
    if (!s.model.empty()) labels["model"] = s.model;
    if (!s.key.empty()) labels["key"] = s.key;
    if (s.status) labels["status"] = std::to_string(*s.status);
    for (const auto& [k, v] : rule.labels)
        labels[k] = v;
    labels["alertname"] = rule.name;
    labels["severity"] = rule.severity;
    return labels;
}

std::string alert_fingerprint(const std::map<std::string, std::string>& labels) {
    std::string text;
    for (const auto& [k, v] : labels)
        text += k + "=" + v + "\n";
    return hash128(text).hex().substr(0, 16);
}

AlertConfig parse_alert_config(const YamlDocument& document) {
    AlertConfig config;
    if (!document.value.is_object() || !document.value.contains("alerts")) return config;
    validate_or_throw(alerts_schema(), document);
    const json& a = document.value["alerts"];
    if (a.contains("evaluate_every"))
        config.evaluate_every_ms =
            duration_at(document, a["evaluate_every"], "/alerts/evaluate_every", false);
    if (a.contains("resend_every"))
        config.resend_every_ms =
            duration_at(document, a["resend_every"], "/alerts/resend_every", false);
    if (a.contains("delivery_timeout"))
        config.delivery_timeout_s =
            static_cast<double>(
                duration_at(document, a["delivery_timeout"], "/alerts/delivery_timeout", false)) /
            1000.0;
    Receivers defaults;
    if (a.contains("notify")) defaults = receivers_of(a["notify"]);
    if (!a.contains("rules")) return config;
    std::set<std::string> names;
    const json& rules = a["rules"];
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const json& r = rules[i];
        const std::string at = "/alerts/rules/" + std::to_string(i);
        AlertRule rule;
        rule.name = r["name"].get<std::string>();
        rule.source = document.location_of(at).to_string();
        if (!names.insert(rule.name).second)
            throw Error(ErrorKind::BadInput, at + "/name: a second rule named '" + rule.name + "'",
                        document.location_of(at + "/name"));
        rule.metric = r["metric"].get<std::string>();
        if (!metric_known(rule.metric)) {
            std::vector<std::string> candidates = alert_metric_names();
            for (const auto& p : suffixed_metrics())
                candidates.push_back(p + "NAME");
            for (const char* d : {"drift", "drift_share", "drift_score.COLUMN"})
                candidates.push_back(d);
            throw Error(ErrorKind::BadInput,
                        with_did_you_mean(at + "/metric: unknown metric '" + rule.metric + "'",
                                          rule.metric, candidates),
                        document.location_of(at + "/metric"),
                        "metrics: docs/monitoring.md#metrics");
        }
        if (r.contains("selector")) {
            const json& s = r["selector"];
            rule.selector.env = s.value("env", "");
            rule.selector.route = s.value("route", "");
            if (s.contains("release")) rule.selector.release = s["release"].get<std::int64_t>();
            if (rule.selector.release && rule.selector.route.empty())
                throw Error(ErrorKind::BadInput,
                            at + "/selector/release: a release number needs a route",
                            document.location_of(at + "/selector/release"));
            rule.selector.provider = s.value("provider", "");
            rule.selector.model = s.value("model", "");
            rule.selector.key = s.value("key", "");
            if (s.contains("status")) rule.selector.status = s["status"].get<int>();
        }
        if (r.contains("window"))
            rule.window_ms = duration_at(document, r["window"], at + "/window", false);
        if (r.contains("comparison"))
            rule.comparison = comparison_of(r["comparison"].get<std::string>());
        if (r.contains("threshold"))
            rule.threshold = r["threshold"].get<double>();
        else if (rule.metric != "drift")
            throw Error(ErrorKind::BadInput, at + ": a rule needs a threshold",
                        document.location_of(at), "only a drift rule has one by default (> 0)");
        if (r.contains("for")) rule.for_ms = duration_at(document, r["for"], at + "/for", true);
        rule.severity = r.value("severity", rule.severity);
        if (r.contains("labels"))
            for (const auto& [k, v] : r["labels"].items()) {
                if (k == "alertname" || k == "severity")
                    throw Error(ErrorKind::BadInput,
                                at + "/labels/" + k + ": set by the rule itself ('name', " +
                                    "'severity')",
                                document.location_of(at + "/labels/" + json_pointer_token(k)));
                rule.labels[k] = v.get<std::string>();
            }
        if (r.contains("annotations"))
            rule.annotations = r["annotations"].get<std::map<std::string, std::string>>();
        rule.receivers = r.contains("notify") ? receivers_of(r["notify"]) : defaults;
        if (is_drift_metric(rule.metric) != r.contains("drift"))
            throw Error(ErrorKind::BadInput,
                        r.contains("drift")
                            ? at + "/drift: only the metrics drift, drift_share and "
                                   "drift_score.COLUMN compare with a reference"
                            : at + "/metric: " + rule.metric +
                                  " needs a drift section (reference or reference_offset)",
                        document.location_of(r.contains("drift") ? at + "/drift" : at + "/metric"));
        if (r.contains("drift")) {
            rule.drift = drift_check_of(document, r["drift"], at + "/drift");
            const Selector& s = rule.selector;
            if (s.release || !s.provider.empty() || !s.model.empty() || !s.key.empty() || s.status)
                throw Error(ErrorKind::BadInput,
                            at + "/selector: a drift rule selects by env and route only",
                            document.location_of(at + "/selector"));
        }
        config.rules.push_back(std::move(rule));
    }
    return config;
}

AlertConfig load_alert_config(const std::filesystem::path& config_file) {
    std::error_code ec;
    if (!std::filesystem::exists(config_file, ec)) return {};
    return parse_alert_config(store::load_project_config(config_file));
}

} // namespace llmops::monitor
