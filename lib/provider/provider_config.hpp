#pragma once
// Provider declarations: the `providers:` and `prices:` maps of llmops.yaml, and inline ids
// such as `openai:gpt-4o-mini`, `anthropic:claude-3-5-haiku-latest`, `exec:./model.sh`, `echo`.
// Reference: docs/providers.md.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/retry_policy.hpp"
#include "json/yaml_document.hpp"

namespace llmops::provider {

enum class ProviderType { OpenAI, Azure, Anthropic, Exec, Echo };

std::string_view to_string(ProviderType type);

struct ModelPrice {
    double input_per_million = 0;  // USD per 1M prompt tokens
    double output_per_million = 0; // USD per 1M completion tokens
};

enum class ExecFormat { Json, Text };

struct ProviderConfig {
    std::string id; // the name it was declared under, or the inline id
    ProviderType type = ProviderType::Echo;
    std::string model;
    // Where requests go, without the endpoint path: ".../v1" for openai (as the OpenAI SDKs),
    // "https://api.anthropic.com" for anthropic, "https://NAME.openai.azure.com" for azure.
    std::string base_url;
    // The variable holding the key; empty = send no key (local servers).
    std::string api_key_env;
    std::string api_version;       // azure: the api-version query parameter
    std::string deployment;        // azure: defaults to model
    std::string anthropic_version; // anthropic: the anthropic-version header
    std::vector<std::pair<std::string, std::string>> headers; // extra headers, sent as given
    nlohmann::json parameters = nlohmann::json::object();     // defaults for every request
    bool stream = false;

    // exec
    std::string command; // run with /bin/sh -c
    ExecFormat input_format = ExecFormat::Json;
    bool output_json = false;          // stdout is {"text", "finish_reason", "usage"} not text
    std::filesystem::path working_dir; // empty = inherit

    double timeout_s = 60;
    RetryPolicy retry;
    double requests_per_minute = 0; // 0 = unlimited
    double tokens_per_minute = 0;
    std::optional<ModelPrice> price;
    std::size_t max_raw_bytes = 16384; // raw responses kept for audit are cut to this

    // The full endpoint URL for HTTP types ("" for exec and echo).
    std::string endpoint_url() const;
};

// Everything llmops.yaml says about providers.
struct ProviderCatalog {
    std::map<std::string, ProviderConfig> providers;
    std::map<std::string, ModelPrice> prices; // by model name
};

// The JSON Schema that `providers:` and `prices:` are checked against. schemas/llmops.schema.json
// holds the same rules, with descriptions, for the whole file (docs/config.md).
const nlohmann::json& provider_catalog_schema();

// Reads `providers:` and `prices:` from a loaded llmops.yaml (other keys are ignored).
// Throws Error(BadInput) at file:line:column for anything malformed.
ProviderCatalog parse_provider_catalog(const YamlDocument& document);
// Convenience: store::load_project_config (which refuses unknown top-level keys) + parse; a
// missing file gives an empty catalog.
ProviderCatalog load_provider_catalog(const std::filesystem::path& config_file);

// A declared id, else an inline id (`openai:MODEL`, `azure:DEPLOYMENT`, `anthropic:MODEL`,
// `exec:COMMAND`, `echo`). Applies environment defaults (OPENAI_BASE_URL ...) and the price
// table. Throws Error(BadInput) for an unknown id.
ProviderConfig resolve_provider(const ProviderCatalog& catalog, std::string_view id);

// What a run records about its provider: type, endpoint, model, parameters, limits, the name
// of the key variable and of extra headers — never a key or a header value.
nlohmann::json describe_provider(const ProviderConfig& config);

// "30", "30s", "500ms", "2m", "1.5h", "7d" as seconds; nullopt when malformed.
std::optional<double> parse_duration_seconds(std::string_view text);

} // namespace llmops::provider
