#include "serve/serve_config.hpp"

#include "core/error.hpp"
#include "provider/provider_config.hpp"
#include "store/project_config.hpp"
#include "json/json_schema.hpp"

namespace llmops::serve {

namespace {

using nlohmann::json;

constexpr const char* kServeSchema = R"json({
  "type": "object",
  "properties": {
    "serve": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "host": {"type": "string", "minLength": 1},
        "port": {"type": "integer", "minimum": 0, "maximum": 65535},
        "threads": {"type": "integer", "minimum": 1, "maximum": 64},
        "passthrough": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "log_bodies": {"enum": ["full", "hash", "none"]},
        "routes": {
          "type": "object",
          "additionalProperties": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "fallbacks": {"type": "array", "items": {"type": "string", "minLength": 1}},
              "cache": {"type": "boolean"},
              "guardrails": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "input": {"$ref": "#/$defs/guard_policy"},
                  "output": {"$ref": "#/$defs/guard_policy"}
                }
              }
            }
          }
        },
        "drain_timeout": {"$ref": "#/$defs/duration"},
        "batch": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "max_file_bytes": {"type": "integer", "minimum": 1024, "maximum": 1073741824},
            "max_lines": {"type": "integer", "minimum": 1, "maximum": 1000000},
            "concurrency": {"type": "integer", "minimum": 1, "maximum": 10000}
          }
        },
        "limits": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "max_body_bytes": {"type": "integer", "minimum": 1024, "maximum": 1073741824},
            "max_header_bytes": {"type": "integer", "minimum": 1024, "maximum": 1048576},
            "max_connections": {"type": "integer", "minimum": 1, "maximum": 1000000},
            "idle_timeout": {"$ref": "#/$defs/duration"},
            "read_timeout": {"$ref": "#/$defs/duration"},
            "write_timeout": {"$ref": "#/$defs/duration"},
            "upstream_concurrency": {"type": "integer", "minimum": 1, "maximum": 100000},
            "upstream_queue": {"type": "integer", "minimum": 0, "maximum": 10000000}
          }
        }
      }
    }
  },
  "$defs": {
    "duration": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}]},
    "guard_action": {"enum": ["block", "redact", "flag"]},
    "string_list": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "guard_policy": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "pii": {"anyOf": [
          {"$ref": "#/$defs/guard_action"},
          {"type": "object", "additionalProperties": false, "required": ["action"],
           "properties": {
             "action": {"$ref": "#/$defs/guard_action"},
             "entities": {"$ref": "#/$defs/string_list"},
             "operator": {"type": "string", "minLength": 1},
             "hash_key_env": {"type": "string", "minLength": 1}
           }}
        ]},
        "injection": {"anyOf": [
          {"$ref": "#/$defs/guard_action"},
          {"type": "object", "additionalProperties": false, "required": ["action"],
           "properties": {
             "action": {"$ref": "#/$defs/guard_action"},
             "threshold": {"type": "number", "minimum": 0, "maximum": 1},
             "mode": {"enum": ["whole", "sentence", "chunk"]},
             "allow_rules": {"$ref": "#/$defs/string_list"},
             "allow_phrases": {"$ref": "#/$defs/string_list"},
             "allow_hosts": {"$ref": "#/$defs/string_list"}
           }}
        ]}
      }
    }
  }
})json";

const JsonSchema& serve_schema() {
    static const JsonSchema schema = JsonSchema::compile(json::parse(kServeSchema));
    return schema;
}

double duration_at(const YamlDocument& doc, const json& value, const std::string& pointer) {
    if (value.is_number()) return value.get<double>();
    auto seconds = provider::parse_duration_seconds(value.get<std::string>());
    if (!seconds || *seconds <= 0)
        throw Error(ErrorKind::BadInput,
                    pointer + ": not a duration (30, 30s, 500ms, 2m): '" +
                        value.get<std::string>() + "'",
                    doc.location_of(pointer));
    return *seconds;
}

} // namespace

std::string_view to_string(BodyPolicy policy) {
    switch (policy) {
    case BodyPolicy::Full:
        return "full";
    case BodyPolicy::None:
        return "none";
    default:
        return "hash";
    }
}

BodyPolicy parse_body_policy(std::string_view text) {
    if (text == "full") return BodyPolicy::Full;
    if (text == "hash") return BodyPolicy::Hash;
    if (text == "none") return BodyPolicy::None;
    throw_usage("log bodies: expected full, hash or none, got '" + std::string(text) + "'");
}

ServeConfig parse_serve_config(const YamlDocument& document) {
    ServeConfig config;
    if (!document.value.is_object() || !document.value.contains("serve")) return config;
    validate_or_throw(serve_schema(), document);
    const json& s = document.value["serve"];
    config.host = s.value("host", config.host);
    config.port = s.value("port", config.port);
    config.threads = s.value("threads", config.threads);
    if (s.contains("passthrough"))
        for (const auto& id : s["passthrough"])
            config.passthrough.insert(id.get<std::string>());
    if (s.contains("routes"))
        for (const auto& [route, options] : s["routes"].items()) {
            if (options.contains("fallbacks"))
                config.route_fallbacks[route] =
                    options["fallbacks"].get<std::vector<std::string>>();
            if (options.value("cache", false)) config.cached_routes.insert(route);
        }
    if (s.contains("routes"))
        for (const auto& [route, options] : s["routes"].items()) {
            if (!options.contains("guardrails")) continue;
            if (config.route_guardrails.empty())
                config.pii_settings = safety::read_pii_settings(document);
            std::vector<std::string> entities = safety::builtin_entity_types();
            for (const auto& custom : config.pii_settings.custom)
                entities.push_back(custom.entity);
            config.route_guardrails[route] = parse_route_guardrails(
                document, options["guardrails"],
                "/serve/routes/" + json_pointer_token(route) + "/guardrails", entities);
        }
    if (s.contains("log_bodies"))
        config.log_bodies = parse_body_policy(s["log_bodies"].get<std::string>());
    if (s.contains("drain_timeout"))
        config.drain_timeout_s = duration_at(document, s["drain_timeout"], "/serve/drain_timeout");
    if (s.contains("batch")) {
        const json& b = s["batch"];
        config.batch.max_file_bytes = b.value("max_file_bytes", config.batch.max_file_bytes);
        config.batch.max_lines = b.value("max_lines", config.batch.max_lines);
        config.batch.concurrency = b.value("concurrency", config.batch.concurrency);
    }
    if (s.contains("limits")) {
        const json& l = s["limits"];
        auto& limits = config.limits;
        limits.max_body_bytes = l.value("max_body_bytes", limits.max_body_bytes);
        limits.max_header_bytes = l.value("max_header_bytes", limits.max_header_bytes);
        limits.max_connections = l.value("max_connections", limits.max_connections);
        if (l.contains("idle_timeout"))
            limits.idle_timeout_s =
                duration_at(document, l["idle_timeout"], "/serve/limits/idle_timeout");
        if (l.contains("read_timeout"))
            limits.read_timeout_s =
                duration_at(document, l["read_timeout"], "/serve/limits/read_timeout");
        if (l.contains("write_timeout"))
            limits.write_timeout_s =
                duration_at(document, l["write_timeout"], "/serve/limits/write_timeout");
        config.upstream_concurrency = l.value("upstream_concurrency", config.upstream_concurrency);
        config.upstream_queue = l.value("upstream_queue", config.upstream_queue);
    }
    return config;
}

ServeConfig load_serve_config(const std::filesystem::path& config_file) {
    std::error_code ec;
    if (!std::filesystem::exists(config_file, ec)) return {};
    return parse_serve_config(store::load_project_config(config_file));
}

} // namespace llmops::serve
