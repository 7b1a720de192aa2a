// Reading `safety.pii` of llmops.yaml: a JSON Schema for the shape (errors at file:line:column),
// then the meaning: entity names, validation kinds, phone regions, patterns RE2 accepts, limits.
#include "safety/pii_settings.hpp"

#include "core/closest_match.hpp"
#include "safety/pii_phone.hpp"
#include "safety/pii_recognizers.hpp"
#include "store/project_config.hpp"
#include "json/json_schema.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace llmops::safety {

using nlohmann::json;

namespace {

constexpr const char* kSafetySchema = R"json({
  "type": "object",
  "properties": {
    "safety": {
      "type": "object",
      "properties": {
        "pii": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "default_region": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "phone_regions": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "entities": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "thresholds": {
              "type": "object",
              "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}
            },
            "context_words_before": {"type": "integer", "minimum": 0, "maximum": 50},
            "context_words_after": {"type": "integer", "minimum": 0, "maximum": 50},
            "context_boost": {"type": "number", "minimum": 0, "maximum": 1},
            "allow_list": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "allow_patterns": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "hash_key_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "limits": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "max_text_bytes": {"type": "integer", "minimum": 1},
                "max_recognizers": {"type": "integer", "minimum": 0},
                "max_pattern_bytes": {"type": "integer", "minimum": 1},
                "max_allow_entries": {"type": "integer", "minimum": 0}
              }
            },
            "recognizers": {
              "type": "array",
              "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "entity"],
                "properties": {
                  "id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]*$"},
                  "entity": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                  "pattern": {"type": "string", "minLength": 1},
                  "deny_list": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                  "validation": {"type": "string"},
                  "score": {"type": "number", "minimum": 0, "maximum": 1},
                  "context": {"type": "array", "items": {"type": "string", "minLength": 1}}
                }
              }
            }
          }
        }
      }
    }
  }
})json";

const JsonSchema& safety_schema() {
    static const JsonSchema schema = JsonSchema::compile(json::parse(kSafetySchema));
    return schema;
}

std::vector<std::string> strings_at(const json& value) {
    return value.get<std::vector<std::string>>();
}

[[noreturn]] void bad(const YamlDocument& doc, const std::string& pointer,
                      const std::string& message, std::string hint = {}) {
    throw Error(ErrorKind::BadInput, pointer + ": " + message, doc.location_of(pointer),
                std::move(hint));
}

void check_pattern(const YamlDocument& doc, const std::string& pointer, const std::string& pattern,
                   const PiiLimits& limits) {
    if (pattern.size() > limits.max_pattern_bytes)
        bad(doc, pointer,
            "the pattern is " + std::to_string(pattern.size()) + " bytes, over the limit of " +
                std::to_string(limits.max_pattern_bytes) +
                " (safety.pii.limits.max_pattern_bytes)");
    RE2::Options options;
    options.set_log_errors(false);
    RE2 regex(pattern, options);
    if (!regex.ok())
        bad(doc, pointer,
            "RE2 rejects the pattern: " + regex.error() +
                (regex.error_arg().empty() ? "" : " at '" + regex.error_arg() + "'"),
            "patterns are RE2 syntax: no look-around, no back-references (docs/safety.md)");
    if (RE2::FullMatch("", regex)) bad(doc, pointer, "the pattern matches the empty text");
}

RecognizerSpec read_recognizer(const YamlDocument& doc, const json& r, const std::string& pointer,
                               const PiiLimits& limits) {
    RecognizerSpec spec;
    spec.id = "custom." + r.at("id").get<std::string>();
    spec.entity = r.at("entity").get<std::string>();
    spec.where = doc.location_of(pointer);
    if (r.contains("pattern") == r.contains("deny_list"))
        bad(doc, pointer, "a recognizer needs either `pattern` or `deny_list`");
    if (r.contains("pattern")) {
        spec.pattern = r["pattern"].get<std::string>();
        check_pattern(doc, pointer + "/pattern", spec.pattern, limits);
        spec.where = doc.location_of(pointer + "/pattern");
    } else {
        spec.deny_list = strings_at(r["deny_list"]);
        std::size_t bytes = 0;
        for (const auto& w : spec.deny_list)
            bytes += w.size() + 1;
        if (bytes > limits.max_pattern_bytes)
            bad(doc, pointer + "/deny_list",
                "the deny list is " + std::to_string(bytes) + " bytes, over the limit of " +
                    std::to_string(limits.max_pattern_bytes) +
                    " (safety.pii.limits.max_pattern_bytes)");
    }
    if (r.contains("validation")) {
        spec.validation = r["validation"].get<std::string>();
        const auto& kinds = user_validation_kinds();
        if (std::find(kinds.begin(), kinds.end(), spec.validation) == kinds.end())
            bad(doc, pointer + "/validation",
                with_did_you_mean("unknown validation '" + spec.validation + "'", spec.validation,
                                  kinds));
    }
    spec.score = r.value("score", 0.6);
    if (r.contains("context")) spec.context = strings_at(r["context"]);
    return spec;
}

} // namespace

const std::vector<std::string>& builtin_entity_types() {
    static const std::vector<std::string> types{
        "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
        "URL",           "DOMAIN_NAME",  "US_SSN",      "CRYPTO",    "DATE_TIME"};
    return types;
}

double default_threshold(const std::string& entity) {
    if (entity == "PHONE_NUMBER") return 0.6;
    return 0.5;
}

double PiiSettings::threshold_for(const std::string& entity) const {
    if (auto it = thresholds.find(entity); it != thresholds.end()) return it->second;
    if (auto it = thresholds.find("default"); it != thresholds.end()) return it->second;
    return default_threshold(entity);
}

PiiSettings read_pii_settings(const YamlDocument& config) {
    PiiSettings settings;
    if (!config.value.is_object() || !config.value.contains("safety")) return settings;
    validate_or_throw(safety_schema(), config);
    const json& safety = config.value["safety"];
    if (!safety.is_object() || !safety.contains("pii")) return settings;
    const json& pii = safety["pii"];
    const std::string base = "/safety/pii";

    if (pii.contains("limits")) {
        const json& l = pii["limits"];
        settings.limits.max_text_bytes = l.value("max_text_bytes", settings.limits.max_text_bytes);
        settings.limits.max_recognizers =
            l.value("max_recognizers", settings.limits.max_recognizers);
        settings.limits.max_pattern_bytes =
            l.value("max_pattern_bytes", settings.limits.max_pattern_bytes);
        settings.limits.max_allow_entries =
            l.value("max_allow_entries", settings.limits.max_allow_entries);
    }
    if (pii.contains("default_region")) {
        settings.default_region = pii["default_region"].get<std::string>();
        if (!is_phone_region(settings.default_region))
            bad(config, base + "/default_region",
                "unknown region '" + settings.default_region + "' (ISO 3166 alpha-2)");
    }
    if (pii.contains("phone_regions")) {
        settings.phone_regions = strings_at(pii["phone_regions"]);
        for (std::size_t i = 0; i < settings.phone_regions.size(); ++i)
            if (!is_phone_region(settings.phone_regions[i]))
                bad(config, base + "/phone_regions/" + std::to_string(i),
                    "unknown region '" + settings.phone_regions[i] + "' (ISO 3166 alpha-2)");
    }
    const auto& builtin = builtin_entity_types();
    if (pii.contains("entities")) {
        settings.entities = strings_at(pii["entities"]);
        for (std::size_t i = 0; i < settings.entities.size(); ++i)
            if (std::find(builtin.begin(), builtin.end(), settings.entities[i]) == builtin.end())
                bad(config, base + "/entities/" + std::to_string(i),
                    with_did_you_mean("unknown entity type '" + settings.entities[i] + "'",
                                      settings.entities[i], builtin));
    }
    if (pii.contains("thresholds"))
        for (const auto& [entity, value] : pii["thresholds"].items())
            settings.thresholds[entity] = value.get<double>();
    settings.context_words_before =
        pii.value("context_words_before", settings.context_words_before);
    settings.context_words_after = pii.value("context_words_after", settings.context_words_after);
    settings.context_boost = pii.value("context_boost", settings.context_boost);
    settings.hash_key_env = pii.value("hash_key_env", settings.hash_key_env);
    if (pii.contains("allow_list")) {
        settings.allow_list = strings_at(pii["allow_list"]);
        if (settings.allow_list.size() > settings.limits.max_allow_entries)
            bad(config, base + "/allow_list",
                std::to_string(settings.allow_list.size()) + " entries, over the limit of " +
                    std::to_string(settings.limits.max_allow_entries) +
                    " (safety.pii.limits.max_allow_entries)");
    }
    if (pii.contains("allow_patterns")) {
        settings.allow_patterns = strings_at(pii["allow_patterns"]);
        for (std::size_t i = 0; i < settings.allow_patterns.size(); ++i) {
            const std::string pointer = base + "/allow_patterns/" + std::to_string(i);
            check_pattern(config, pointer, settings.allow_patterns[i], settings.limits);
            settings.allow_pattern_where.push_back(config.location_of(pointer));
        }
    }
    if (pii.contains("recognizers")) {
        const json& list = pii["recognizers"];
        if (list.size() > settings.limits.max_recognizers)
            bad(config, base + "/recognizers",
                std::to_string(list.size()) + " recognizers, over the limit of " +
                    std::to_string(settings.limits.max_recognizers) +
                    " (safety.pii.limits.max_recognizers)");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string pointer = base + "/recognizers/" + std::to_string(i);
            RecognizerSpec spec = read_recognizer(config, list[i], pointer, settings.limits);
            for (const auto& other : settings.custom)
                if (other.id == spec.id)
                    bad(config, pointer + "/id", "a second recognizer named '" + spec.id + "'");
            settings.custom.push_back(std::move(spec));
        }
    }
    return settings;
}

PiiSettings load_pii_settings(const std::filesystem::path& config_file) {
    if (config_file.empty()) return {};
    return read_pii_settings(store::load_project_config(config_file));
}

} // namespace llmops::safety
