#include "deploy/environments.hpp"

#include <fmt/format.h>
#include <functional>
#include <set>

#include "provider/provider_config.hpp"
#include "store/project_config.hpp"
#include "json/json_schema.hpp"

namespace llmops::deploy {

namespace {

using nlohmann::json;

// The part of llmops.yaml this module reads; other top-level keys belong to others.
constexpr const char* kEnvironmentsSchema = R"json({
  "type": "object",
  "properties": {
    "environments": {
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9._-]{0,63}$"},
      "additionalProperties": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "description": {"type": "string"},
          "requires": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
          },
          "canary": {"type": "number", "minimum": 0, "maximum": 100},
          "canary_policy": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "min_requests": {"type": "integer", "minimum": 1},
              "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
              "max_error_rate_increase": {"type": "number", "minimum": 0, "maximum": 1},
              "max_latency_increase": {"type": "number", "minimum": 0},
              "max_cost_increase": {"type": "number", "minimum": 0},
              "max_feedback_decrease": {"type": "number", "minimum": 0},
              "schedule": {"type": "string", "minLength": 1},
              "auto": {"type": "boolean"}
            }
          },
          "gates": {"type": "array", "items": {"$ref": "#/$defs/gate"}}
        }
      }
    }
  },
  "$defs": {
    "gate": {
      "type": "object",
      "minProperties": 1,
      "maxProperties": 1,
      "properties": {
        "eval": {"type": "string", "minLength": 1},
        "min_cases": {"type": "integer", "minimum": 1},
        "no_regression": {
          "type": "object",
          "required": ["eval"],
          "additionalProperties": false,
          "properties": {
            "eval": {"type": "string", "minLength": 1},
            "metrics": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "min_absolute_change": {"type": "number", "minimum": 0},
            "min_relative_change": {"type": "number", "minimum": 0}
          }
        }
      },
      "additionalProperties": false
    }
  }
})json";

const JsonSchema& environments_schema() {
    static const JsonSchema schema = JsonSchema::compile(json::parse(kEnvironmentsSchema));
    return schema;
}

Gate parse_gate(const YamlDocument& doc, const json& value, const std::string& pointer,
                const std::filesystem::path& root) {
    Gate gate;
    gate.where = doc.location_of(pointer);
    if (value.contains("eval")) {
        gate.kind = GateKind::Eval;
        gate.spec_text = value["eval"].get<std::string>();
    } else if (value.contains("min_cases")) {
        gate.kind = GateKind::MinCases;
        gate.min_cases = value["min_cases"].get<std::int64_t>();
    } else {
        const json& nr = value["no_regression"];
        gate.kind = GateKind::NoRegression;
        gate.spec_text = nr["eval"].get<std::string>();
        gate.metrics = nr.value("metrics", std::vector<std::string>{});
        gate.alpha = nr.value("alpha", 0.05);
        if (nr.contains("min_absolute_change"))
            gate.min_absolute_change = nr["min_absolute_change"].get<double>();
        if (nr.contains("min_relative_change"))
            gate.min_relative_change = nr["min_relative_change"].get<double>();
    }
    if (!gate.spec_text.empty()) {
        std::filesystem::path spec(gate.spec_text);
        gate.spec = spec.is_absolute() ? spec : root / spec;
    }
    return gate;
}

CanaryPolicy parse_canary_policy(const YamlDocument& doc, const json& value,
                                 const std::string& pointer) {
    CanaryPolicy policy;
    policy.where = doc.location_of(pointer);
    policy.min_requests = value.value("min_requests", policy.min_requests);
    policy.alpha = value.value("alpha", policy.alpha);
    policy.max_error_rate_increase =
        value.value("max_error_rate_increase", policy.max_error_rate_increase);
    policy.max_latency_increase = value.value("max_latency_increase", policy.max_latency_increase);
    policy.max_cost_increase = value.value("max_cost_increase", policy.max_cost_increase);
    policy.max_feedback_decrease =
        value.value("max_feedback_decrease", policy.max_feedback_decrease);
    policy.auto_apply = value.value("auto", false);
    if (value.contains("schedule")) {
        const std::string text = value["schedule"].get<std::string>();
        auto seconds = provider::parse_duration_seconds(text);
        if (!seconds || *seconds < 1)
            throw Error(ErrorKind::BadInput,
                        "canary_policy.schedule '" + text +
                            "' is not a duration of at least 1s (such as 30s, 5m, 1h)",
                        doc.location_of(pointer + "/schedule"));
        policy.schedule_s = *seconds;
    }
    if (policy.auto_apply && !policy.schedule_s)
        throw Error(ErrorKind::BadInput,
                    "canary_policy.auto needs a schedule: it is what serve does on each run",
                    doc.location_of(pointer + "/auto"), "add schedule: 5m, or drop auto");
    return policy;
}

void check_requires(const YamlDocument& doc, const EnvironmentCatalog& catalog) {
    for (const auto& [name, env] : catalog.environments)
        for (const auto& required : env.requires_live)
            if (!catalog.environments.count(required))
                throw Error(
                    ErrorKind::BadInput,
                    "environment '" + name + "' requires unknown environment '" + required + "'",
                    doc.location_of("/environments/" + json_pointer_token(name) + "/requires"));
    // A cycle would make every environment in it undeployable.
    std::map<std::string, int> state; // 1 visiting, 2 done
    std::function<void(const std::string&)> visit = [&](const std::string& name) {
        state[name] = 1;
        for (const auto& next : catalog.environments.at(name).requires_live) {
            if (state[next] == 1)
                throw Error(
                    ErrorKind::BadInput,
                    "environments '" + name + "' and '" + next +
                        "' require each other (a cycle in requires:)",
                    doc.location_of("/environments/" + json_pointer_token(name) + "/requires"));
            if (state[next] == 0) visit(next);
        }
        state[name] = 2;
    };
    for (const auto& [name, env] : catalog.environments)
        if (state[name] == 0) visit(name);
}

} // namespace

std::string Gate::name() const {
    switch (kind) {
    case GateKind::Eval:
        return "eval " + spec_text;
    case GateKind::NoRegression:
        return "no_regression " + spec_text;
    case GateKind::MinCases:
        return "min_cases " + std::to_string(min_cases);
    }
    return {};
}

const Environment& EnvironmentCatalog::get(const std::string& name) const {
    auto it = environments.find(name);
    if (it != environments.end()) return it->second;
    std::string known;
    for (const auto& [n, env] : environments)
        known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorKind::Usage, "unknown environment '" + name + "'", {},
                known.empty() ? "declare it under environments: in llmops.yaml (docs/deploy.md)"
                              : "environments in llmops.yaml: " + known);
}

EnvironmentCatalog parse_environments(const YamlDocument& document,
                                      const std::filesystem::path& project_root) {
    EnvironmentCatalog catalog;
    if (!document.value.is_object() || !document.value.contains("environments")) return catalog;
    validate_or_throw(environments_schema(), document);
    for (const auto& [name, value] : document.value["environments"].items()) {
        std::string base = "/environments/" + json_pointer_token(name);
        Environment env;
        env.name = name;
        env.description = value.value("description", "");
        if (value.contains("requires")) {
            const json& r = value["requires"];
            if (r.is_string())
                env.requires_live.push_back(r.get<std::string>());
            else
                env.requires_live = r.get<std::vector<std::string>>();
        }
        if (value.contains("canary")) env.canary_percent = value["canary"].get<double>();
        if (value.contains("canary_policy"))
            env.canary_policy =
                parse_canary_policy(document, value["canary_policy"], base + "/canary_policy");
        if (value.contains("gates")) {
            const json& gates = value["gates"];
            for (std::size_t i = 0; i < gates.size(); ++i)
                env.gates.push_back(parse_gate(document, gates[i],
                                               base + "/gates/" + std::to_string(i), project_root));
        }
        catalog.environments.emplace(name, std::move(env));
    }
    check_requires(document, catalog);
    return catalog;
}

EnvironmentCatalog load_environments(const std::filesystem::path& config_file) {
    if (!std::filesystem::exists(config_file)) return {};
    return parse_environments(store::load_project_config(config_file), config_file.parent_path());
}

} // namespace llmops::deploy
