#include "provider/chat_types.hpp"

#include "core/text.hpp"

namespace llmops::provider {

std::string_view to_string(ProviderErrorKind kind) {
    switch (kind) {
    case ProviderErrorKind::None:
        return "none";
    case ProviderErrorKind::Auth:
        return "auth";
    case ProviderErrorKind::RateLimit:
        return "rate_limit";
    case ProviderErrorKind::Timeout:
        return "timeout";
    case ProviderErrorKind::Server:
        return "server";
    case ProviderErrorKind::BadResponse:
        return "bad_response";
    case ProviderErrorKind::BadRequest:
        return "bad_request";
    case ProviderErrorKind::Connection:
        return "connection";
    case ProviderErrorKind::Exec:
        return "exec";
    case ProviderErrorKind::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

ProviderErrorKind error_kind_from_string(std::string_view text) {
    for (auto kind :
         {ProviderErrorKind::Auth, ProviderErrorKind::RateLimit, ProviderErrorKind::Timeout,
          ProviderErrorKind::Server, ProviderErrorKind::BadResponse, ProviderErrorKind::BadRequest,
          ProviderErrorKind::Connection, ProviderErrorKind::Exec, ProviderErrorKind::Cancelled})
        if (to_string(kind) == text) return kind;
    return ProviderErrorKind::None;
}

bool is_retryable(ProviderErrorKind kind, int http_status) {
    switch (kind) {
    case ProviderErrorKind::Timeout:
    case ProviderErrorKind::Connection:
    case ProviderErrorKind::RateLimit:
    case ProviderErrorKind::Server:
        return true;
    default:
        break;
    }
    return http_status == 408 || http_status == 409 || http_status == 425 || http_status == 429 ||
           http_status >= 500;
}

ProviderErrorKind error_kind_for_status(int http_status) {
    if (http_status == 401 || http_status == 403) return ProviderErrorKind::Auth;
    if (http_status == 429) return ProviderErrorKind::RateLimit;
    if (http_status == 408) return ProviderErrorKind::Timeout;
    if (http_status >= 500 || http_status == 409 || http_status == 425)
        return ProviderErrorKind::Server;
    if (http_status >= 400) return ProviderErrorKind::BadRequest;
    return ProviderErrorKind::BadResponse; // 1xx / 3xx where a 2xx answer was expected
}

std::string prompt_text(const ChatRequest& request) {
    std::string out;
    for (const auto& m : request.messages) {
        if (!out.empty()) out += "\n\n";
        out += m.content;
    }
    return out;
}

std::int64_t estimate_tokens(std::string_view text) {
    return static_cast<std::int64_t>(approx_tokens(text));
}

} // namespace llmops::provider
