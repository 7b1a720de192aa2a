#include "provider/provider_config.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "store/project_config.hpp"
#include "json/json_schema.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace llmops::provider {

using nlohmann::json;

namespace {

// The part of llmops.yaml this module reads; other top-level keys belong to others.
constexpr const char* kCatalogSchema = R"json({
  "type": "object",
  "properties": {
    "providers": {
      "type": ["object", "null"],
      "additionalProperties": {"$ref": "#/$defs/provider"}
    },
    "prices": {
      "type": ["object", "null"],
      "additionalProperties": {"$ref": "#/$defs/price"}
    }
  },
  "$defs": {
    "duration": {"anyOf": [{"type": "number", "exclusiveMinimum": 0},
                           {"type": "string", "pattern": "^[0-9.]+(ms|s|m|h|d)?$"}]},
    "price": {
      "type": "object", "additionalProperties": false, "required": ["input", "output"],
      "properties": {"input": {"type": "number", "minimum": 0},
                     "output": {"type": "number", "minimum": 0}}
    },
    "provider": {
      "type": "object", "additionalProperties": false, "required": ["type"],
      "properties": {
        "type": {"enum": ["openai", "azure", "anthropic", "exec", "echo"]},
        "model": {"type": "string", "minLength": 1},
        "base_url": {"type": "string", "pattern": "^https?://"},
        "api_key_env": {"type": "string", "pattern": "^([A-Za-z_][A-Za-z0-9_]*)?$"},
        "api_version": {"type": "string", "minLength": 1},
        "deployment": {"type": "string", "minLength": 1},
        "anthropic_version": {"type": "string", "minLength": 1},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "parameters": {"type": "object"},
        "stream": {"type": "boolean"},
        "command": {"type": "string", "minLength": 1},
        "format": {"enum": ["json", "text"]},
        "output": {"enum": ["json", "text"]},
        "working_dir": {"type": "string"},
        "timeout": {"$ref": "#/$defs/duration"},
        "retries": {
          "type": "object", "additionalProperties": false,
          "properties": {"max": {"type": "integer", "minimum": 0, "maximum": 100},
                         "base_delay": {"$ref": "#/$defs/duration"},
                         "max_delay": {"$ref": "#/$defs/duration"},
                         "max_retry_after": {"$ref": "#/$defs/duration"}}
        },
        "rate_limit": {
          "type": "object", "additionalProperties": false,
          "properties": {"requests_per_minute": {"type": "number", "minimum": 0},
                         "tokens_per_minute": {"type": "number", "minimum": 0}}
        },
        "price": {"$ref": "#/$defs/price"},
        "max_raw_bytes": {"type": "integer", "minimum": 0}
      }
    }
  }
})json";

const JsonSchema& catalog_schema() {
    static const JsonSchema schema = JsonSchema::compile(provider_catalog_schema());
    return schema;
}

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : std::move(fallback);
}

std::string trim_trailing_slashes(std::string url) {
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url;
}

double duration_value(const json& v) {
    if (v.is_number()) return v.get<double>();
    return parse_duration_seconds(v.get<std::string>()).value_or(0);
}

ModelPrice price_from(const json& v) {
    return ModelPrice{v.at("input").get<double>(), v.at("output").get<double>()};
}

ProviderType type_from(std::string_view name) {
    if (name == "openai") return ProviderType::OpenAI;
    if (name == "azure") return ProviderType::Azure;
    if (name == "anthropic") return ProviderType::Anthropic;
    if (name == "exec") return ProviderType::Exec;
    return ProviderType::Echo;
}

// Defaults that depend on the type: key variable, URL, versions.
void apply_type_defaults(ProviderConfig& c, bool key_env_given) {
    switch (c.type) {
    case ProviderType::OpenAI:
        if (!key_env_given) c.api_key_env = "OPENAI_API_KEY";
        if (c.base_url.empty()) c.base_url = env_or("OPENAI_BASE_URL", "https://api.openai.com/v1");
        break;
    case ProviderType::Azure:
        if (!key_env_given) c.api_key_env = "AZURE_OPENAI_API_KEY";
        if (c.base_url.empty()) c.base_url = env_or("AZURE_OPENAI_ENDPOINT", "");
        if (c.api_version.empty()) c.api_version = env_or("OPENAI_API_VERSION", "2024-10-21");
        if (c.deployment.empty()) c.deployment = c.model;
        break;
    case ProviderType::Anthropic:
        if (!key_env_given) c.api_key_env = "ANTHROPIC_API_KEY";
        if (c.base_url.empty())
            c.base_url = env_or("ANTHROPIC_BASE_URL", "https://api.anthropic.com");
        if (c.anthropic_version.empty()) c.anthropic_version = "2023-06-01";
        break;
    case ProviderType::Exec:
    case ProviderType::Echo:
        c.api_key_env.clear();
        break;
    }
    c.base_url = trim_trailing_slashes(c.base_url);
}

ProviderConfig provider_from_json(const std::string& id, const json& v, const YamlDocument& doc,
                                  const std::string& pointer) {
    ProviderConfig c;
    c.id = id;
    c.type = type_from(v.at("type").get<std::string>());
    c.model = v.value("model", "");
    c.base_url = v.value("base_url", "");
    c.api_version = v.value("api_version", "");
    c.deployment = v.value("deployment", "");
    c.anthropic_version = v.value("anthropic_version", "");
    if (auto it = v.find("headers"); it != v.end())
        for (const auto& [name, value] : it->items())
            c.headers.emplace_back(name, value.get<std::string>());
    if (auto it = v.find("parameters"); it != v.end()) c.parameters = *it;
    c.stream = v.value("stream", false);
    c.command = v.value("command", "");
    c.input_format = v.value("format", "json") == "text" ? ExecFormat::Text : ExecFormat::Json;
    c.output_json = v.value("output", "text") == "json";
    c.working_dir = v.value("working_dir", "");
    if (auto it = v.find("timeout"); it != v.end()) c.timeout_s = duration_value(*it);
    if (auto it = v.find("retries"); it != v.end()) {
        c.retry.max_retries = it->value("max", c.retry.max_retries);
        if (it->contains("base_delay"))
            c.retry.base_delay_ms = duration_value(it->at("base_delay")) * 1000;
        if (it->contains("max_delay"))
            c.retry.max_delay_ms = duration_value(it->at("max_delay")) * 1000;
        if (it->contains("max_retry_after"))
            c.retry.max_retry_after_s = duration_value(it->at("max_retry_after"));
    }
    if (auto it = v.find("rate_limit"); it != v.end()) {
        c.requests_per_minute = it->value("requests_per_minute", 0.0);
        c.tokens_per_minute = it->value("tokens_per_minute", 0.0);
    }
    if (auto it = v.find("price"); it != v.end()) c.price = price_from(*it);
    c.max_raw_bytes = v.value("max_raw_bytes", c.max_raw_bytes);
    bool key_env_given = v.contains("api_key_env");
    if (key_env_given) c.api_key_env = v.at("api_key_env").get<std::string>();
    apply_type_defaults(c, key_env_given);

    auto fail = [&](const std::string& what, const std::string& field) {
        throw Error(ErrorKind::BadInput, "provider '" + id + "': " + what,
                    doc.location_of(pointer + field));
    };
    if (c.type == ProviderType::Exec && c.command.empty()) fail("exec needs a command", "");
    if ((c.type == ProviderType::OpenAI || c.type == ProviderType::Anthropic) && c.model.empty())
        fail("a model is required", "");
    if (c.type == ProviderType::Azure && c.deployment.empty())
        fail("azure needs a deployment (or model)", "");
    if (c.type == ProviderType::Azure && c.base_url.empty())
        fail("azure needs a base_url (or AZURE_OPENAI_ENDPOINT)", "");
    if (c.timeout_s <= 0) fail("timeout must be positive", "/timeout");
    return c;
}

} // namespace

const nlohmann::json& provider_catalog_schema() {
    static const json schema = json::parse(kCatalogSchema);
    return schema;
}

std::string_view to_string(ProviderType type) {
    switch (type) {
    case ProviderType::OpenAI:
        return "openai";
    case ProviderType::Azure:
        return "azure";
    case ProviderType::Anthropic:
        return "anthropic";
    case ProviderType::Exec:
        return "exec";
    case ProviderType::Echo:
        return "echo";
    }
    return "echo";
}

std::string ProviderConfig::endpoint_url() const {
    switch (type) {
    case ProviderType::OpenAI:
        return base_url + "/chat/completions";
    case ProviderType::Azure:
        return base_url + "/openai/deployments/" + deployment +
               "/chat/completions?api-version=" + api_version;
    case ProviderType::Anthropic:
        return base_url + "/v1/messages";
    default:
        return "";
    }
}

ProviderCatalog parse_provider_catalog(const YamlDocument& document) {
    ProviderCatalog catalog;
    if (document.value.is_null()) return catalog;
    validate_or_throw(catalog_schema(), document);
    const json& root = document.value;
    if (auto it = root.find("prices"); it != root.end() && it->is_object())
        for (const auto& [model, price] : it->items())
            catalog.prices[model] = price_from(price);
    if (auto it = root.find("providers"); it != root.end() && it->is_object())
        for (const auto& [id, value] : it->items())
            catalog.providers[id] =
                provider_from_json(id, value, document, "/providers/" + json_pointer_token(id));
    return catalog;
}

ProviderCatalog load_provider_catalog(const std::filesystem::path& config_file) {
    return parse_provider_catalog(store::load_project_config(config_file));
}

ProviderConfig resolve_provider(const ProviderCatalog& catalog, std::string_view id) {
    ProviderConfig c;
    if (auto it = catalog.providers.find(std::string(id)); it != catalog.providers.end()) {
        c = it->second;
    } else {
        auto colon = id.find(':');
        std::string_view kind = id.substr(0, colon);
        std::string_view rest = colon == std::string_view::npos ? "" : id.substr(colon + 1);
        c.id = std::string(id);
        if (kind == "echo" && rest.empty()) {
            c.type = ProviderType::Echo;
        } else if (kind == "exec" && !rest.empty()) {
            c.type = ProviderType::Exec;
            c.command = std::string(rest);
        } else if ((kind == "openai" || kind == "anthropic" || kind == "azure") && !rest.empty()) {
            c.type = type_from(kind);
            c.model = std::string(rest);
        } else {
            std::string known;
            std::vector<std::string> names{"echo"};
            for (const auto& [name, _] : catalog.providers) {
                known += (known.empty() ? "" : ", ") + name;
                names.push_back(name);
            }
            throw Error(ErrorKind::BadInput,
                        with_did_you_mean("unknown provider '" + std::string(id) + "'", id, names),
                        {},
                        "declare it under providers: in llmops.yaml or use an inline id such as "
                        "openai:gpt-4o-mini, anthropic:MODEL, azure:DEPLOYMENT, exec:COMMAND, "
                        "echo" +
                            (known.empty() ? std::string() : " (declared: " + known + ")"));
        }
        apply_type_defaults(c, false);
        if (c.type == ProviderType::Azure && c.base_url.empty())
            throw Error(ErrorKind::BadInput, "provider '" + c.id +
                                                 "': azure needs AZURE_OPENAI_ENDPOINT or a "
                                                 "declared base_url");
    }
    if (!c.price && !c.model.empty())
        if (auto it = catalog.prices.find(c.model); it != catalog.prices.end())
            c.price = it->second;
    return c;
}

std::optional<double> parse_duration_seconds(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (unit.empty() || unit == "s") return value;
    if (unit == "ms") return value / 1000;
    if (unit == "m") return value * 60;
    if (unit == "h") return value * 3600;
    if (unit == "d") return value * 86400;
    return std::nullopt;
}

nlohmann::json describe_provider(const ProviderConfig& config) {
    nlohmann::json header_names = nlohmann::json::array();
    for (const auto& header : config.headers)
        header_names.push_back(header.first);
    nlohmann::json out = {
        {"id", config.id},
        {"type", to_string(config.type)},
        {"model", config.model},
        {"parameters", config.parameters},
        {"timeout_s", config.timeout_s},
        {"max_retries", config.retry.max_retries},
        {"requests_per_minute", config.requests_per_minute},
        {"tokens_per_minute", config.tokens_per_minute},
    };
    if (!config.endpoint_url().empty()) out["endpoint"] = config.endpoint_url();
    if (!config.api_key_env.empty()) out["api_key_env"] = config.api_key_env;
    if (!header_names.empty()) out["headers"] = header_names;
    if (config.stream) out["stream"] = true;
    if (config.type == ProviderType::Exec) {
        out["command"] = config.command;
        out["format"] = config.input_format == ExecFormat::Text ? "text" : "json";
    }
    if (config.price)
        out["price"] = {{"input_per_million", config.price->input_per_million},
                        {"output_per_million", config.price->output_per_million}};
    return out;
}

} // namespace llmops::provider
