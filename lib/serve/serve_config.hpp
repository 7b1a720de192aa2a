#pragma once
// The `serve:` section of llmops.yaml: where the gateway listens, its limits, which provider
// ids clients may name directly, and how much of each request the log keeps.
// Reference: docs/serve.md, docs/config.md.
#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "http/http_server.hpp"
#include "serve/batch_store.hpp"
#include "serve/guardrails.hpp"
#include "json/yaml_document.hpp"

namespace llmops::serve {

enum class BodyPolicy { Full, Hash, None };
std::string_view to_string(BodyPolicy policy);
// Throws Error(Usage) for anything but full, hash, none.
BodyPolicy parse_body_policy(std::string_view text);

struct ServeConfig {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::size_t threads = 2;
    http::ServerLimits limits;
    std::size_t upstream_concurrency = 64; // requests in flight to one provider
    std::size_t upstream_queue = 1024;     // waiting for a slot; beyond it, 503
    std::set<std::string> passthrough;     // provider ids a client may send as `model`
    // Per route: providers tried in order when the release's provider fails.
    std::map<std::string, std::vector<std::string>> route_fallbacks;
    std::set<std::string> cached_routes; // routes answered from the response cache when it can
    // Per route: the input and output guardrails (docs/serve.md#guardrails), and the PII
    // settings (`safety.pii`) their engine is built with.
    std::map<std::string, RouteGuardrails> route_guardrails;
    safety::PiiSettings pii_settings;
    BodyPolicy log_bodies = BodyPolicy::Hash;
    double drain_timeout_s = 10;   // SIGTERM: how long requests in flight may take to finish
    double refresh_interval_s = 1; // how often deploys are picked up
    BatchLimits batch;             // the Batch API: upload size, lines, requests in flight
};

// Reads `serve:` (other keys belong to others); defaults when absent. Throws Error(BadInput)
// at file:line:column for anything malformed.
ServeConfig parse_serve_config(const YamlDocument& document);
// load_yaml_file + parse; a missing file gives the defaults.
ServeConfig load_serve_config(const std::filesystem::path& config_file);

} // namespace llmops::serve
