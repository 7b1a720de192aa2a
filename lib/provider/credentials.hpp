#pragma once
// API keys: read only from environment variables, and kept out of everything written.
#include <string>
#include <string_view>
#include <vector>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::provider {

// The key a provider needs, from the variable its config names; "" when it needs none.
// Throws Error(Provider) naming the variable when it is unset or empty, before any request.
std::string read_api_key(const ProviderConfig& config);

// Removes every secret a provider's requests carry (its API key, and the values of its
// headers whose names mark them secret, http::is_secret_header) from what comes back, so a
// server that reflects a key (a misbehaving proxy, a hostile endpoint) never gets it stored,
// cached, printed or written. Values shorter than kMinSecretLength are placeholders such as
// "x" for a local server, not secrets: scrubbing them would mangle every answer.
class SecretScrubber {
  public:
    static constexpr std::size_t kMinSecretLength = 4;

    SecretScrubber() = default;
    SecretScrubber(const ProviderConfig& config, std::string_view api_key);

    bool empty() const { return secrets_.empty(); }
    // `text` with each secret replaced by "[REDACTED]".
    std::string scrub(std::string_view text) const;
    // Every text a result carries: the answer, raw body, error message, model, finish reason.
    void scrub(ChatResult& result) const;

  private:
    void add(std::string_view secret);

    std::vector<std::string> secrets_; // longest first, so a secret's own prefix never splits it
};

} // namespace llmops::provider
