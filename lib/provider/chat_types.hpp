#pragma once
// The one provider interface: a chat request in, a ChatResult out. Per-request failures are
// values (ChatResult::error), never exceptions, so a batch goes on past a bad row.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmops::provider {

struct ChatMessage {
    std::string role; // system, user, assistant, tool
    std::string content;
    std::string name; // optional participant name
};

struct ChatRequest {
    std::vector<ChatMessage> messages;
    // Overrides the provider's model when not empty.
    std::string model;
    // Sampling and other request fields: temperature, top_p, max_tokens, stop, seed,
    // presence_penalty, frequency_penalty, response_format, and provider-specific fields under
    // "extra" (merged into the body as is). Merged over the provider's own `parameters`.
    nlohmann::json parameters = nlohmann::json::object();
};

enum class ProviderErrorKind {
    None,
    Auth,        // 401 / 403
    RateLimit,   // 429
    Timeout,     // the per-request timeout, or 408
    Server,      // 5xx, 409, 425
    BadResponse, // 200 but not the expected shape (malformed JSON, no content)
    BadRequest,  // any other 4xx: the request itself is wrong
    Connection,  // could not connect, connection cut, truncated body
    Exec,        // a local program failed (non-zero exit, could not start)
    Cancelled,   // the batch was cancelled before this request finished
};

std::string_view to_string(ProviderErrorKind kind);
// The inverse of to_string; None for text that names no error kind.
ProviderErrorKind error_kind_from_string(std::string_view text);

struct ChatResult {
    std::string text;
    std::string finish_reason; // "stop", "length", ... as the provider says (normalised)
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    double latency_ms = 0;         // of the final attempt
    std::optional<double> ttft_ms; // time to first token, streaming only
    std::string model;             // as the provider reports it
    std::string raw;               // the response body, truncated, secrets redacted
    bool raw_truncated = false;
    double cost_usd = 0; // 0 when no price is known
    bool cached = false; // served from the response cache
    int attempts = 0;    // HTTP requests / runs made (0 when cached)

    ProviderErrorKind error = ProviderErrorKind::None;
    std::string error_message; // with the URL and the last transport error where it helps
    int http_status = 0;

    bool ok() const { return error == ProviderErrorKind::None; }
};

// Whether a failure of this kind (and HTTP status) may succeed when tried again:
// 408/409/425/429/5xx, connection errors and timeouts.
bool is_retryable(ProviderErrorKind kind, int http_status);

// The error kind for an HTTP status that is not 2xx.
ProviderErrorKind error_kind_for_status(int http_status);

// "system: ...\n\nuser: ..." is not what models want; the plain text form of a request is the
// contents joined by blank lines (what `exec` with `format: text` and `echo` use).
std::string prompt_text(const ChatRequest& request);

// Token estimate for rate limiting and offline providers: core/text.hpp's approx_tokens.
std::int64_t estimate_tokens(std::string_view text);

} // namespace llmops::provider
