#include "provider/credentials.hpp"

#include "core/error.hpp"
#include "http/http_transport.hpp"

#include <cstdlib>

namespace llmops::provider {

std::string read_api_key(const ProviderConfig& config) {
    if (config.type != ProviderType::Exec && config.type != ProviderType::Echo)
        (void)http::http_via_curl_only();
    if (config.api_key_env.empty()) return {};
    const char* value = std::getenv(config.api_key_env.c_str());
    if (!value || !*value)
        throw Error(ErrorKind::Provider,
                    "provider '" + config.id + "' needs an API key: environment variable " +
                        config.api_key_env + " is not set",
                    {},
                    "export " + config.api_key_env +
                        "=...; or set api_key_env: \"\" for a server that needs no key");
    return value;
}

} // namespace llmops::provider
