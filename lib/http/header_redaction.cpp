#include "http/header_redaction.hpp"

#include "core/text.hpp"

namespace llmops::http {

std::string redact(std::string_view text, std::string_view secret) {
    if (secret.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    for (;;) {
        std::size_t hit = text.find(secret, at);
        if (hit == std::string_view::npos) break;
        out.append(text.substr(at, hit - at));
        out += "[REDACTED]";
        at = hit + secret.size();
    }
    out.append(text.substr(at));
    return out;
}

bool is_secret_header(std::string_view name) {
    const std::string lower = ascii_lower(name);
    return lower == "authorization" || lower == "proxy-authorization" || lower == "api-key" ||
           lower == "x-api-key" || lower == "cookie" || lower == "set-cookie" ||
           lower.find("token") != std::string::npos || lower.find("secret") != std::string::npos ||
           lower.find("key") != std::string::npos;
}

std::string redacted_header_line(std::string_view name, std::string_view value) {
    std::string line(name);
    line += ": ";
    line += is_secret_header(name) ? std::string_view("[REDACTED]") : value;
    return line;
}

} // namespace llmops::http
