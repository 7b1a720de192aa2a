#pragma once
// API keys: read only from environment variables, and kept out of everything written.
#include <string>
#include <string_view>

#include "provider/provider_config.hpp"

namespace llmops::provider {

// The key a provider needs, from the variable its config names; "" when it needs none.
// Throws Error(Provider) naming the variable when it is unset or empty, before any request,
// and, for HTTP providers, Error(Usage) for a bad LLMOPS_HTTP_CLIENT (http_transport.hpp).
std::string read_api_key(const ProviderConfig& config);

// `text` with every occurrence of `secret` replaced by "[REDACTED]" (secret may be empty).
std::string redact(std::string_view text, std::string_view secret);

// True for header names that carry credentials (Authorization, api-key, x-api-key,
// Proxy-Authorization, Cookie ...): their values never reach a log.
bool is_secret_header(std::string_view name);

// "Name: value" for a log line, with the value of a secret header replaced.
std::string redacted_header_line(std::string_view name, std::string_view value);

} // namespace llmops::provider
