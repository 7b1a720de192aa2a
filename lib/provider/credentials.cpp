#include "provider/credentials.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/header_redaction.hpp"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace llmops::provider {

std::string read_api_key(const ProviderConfig& config) {
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

SecretScrubber::SecretScrubber(const ProviderConfig& config, std::string_view api_key) {
    add(api_key);
    for (const auto& [name, value] : config.headers) {
        if (!http::is_secret_header(name)) continue;
        add(value);
        // "Bearer TOKEN": a server may echo the token alone.
        if (auto space = value.find(' '); space != std::string::npos)
            add(std::string_view(value).substr(space + 1));
    }
    std::sort(secrets_.begin(), secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void SecretScrubber::add(std::string_view secret) {
    secret = trim_blanks(secret);
    if (secret.size() < kMinSecretLength) return;
    auto add_once = [this](std::string text) {
        if (std::find(secrets_.begin(), secrets_.end(), text) == secrets_.end())
            secrets_.push_back(std::move(text));
    };
    add_once(std::string(secret));
    // As it appears inside a JSON string of a raw body: quotes, backslashes and controls
    // escaped, and '/' as "\/" the way some servers write it.
    std::string escaped = nlohmann::json(std::string(secret)).dump();
    escaped = escaped.substr(1, escaped.size() - 2);
    if (escaped != secret) add_once(escaped);
    if (escaped.find('/') != std::string::npos) {
        std::string slashed;
        for (char c : escaped)
            slashed += c == '/' ? std::string("\\/") : std::string(1, c);
        add_once(std::move(slashed));
    }
}

std::string SecretScrubber::scrub(std::string_view text) const {
    std::string out(text);
    for (const auto& secret : secrets_)
        if (out.find(secret) != std::string::npos) out = http::redact(out, secret);
    return out;
}

void SecretScrubber::scrub(ChatResult& result) const {
    if (secrets_.empty()) return;
    for (std::string* text :
         {&result.text, &result.raw, &result.error_message, &result.model, &result.finish_reason})
        if (!text->empty()) *text = scrub(*text);
}

} // namespace llmops::provider
