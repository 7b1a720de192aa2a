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

} // namespace llmops::provider
