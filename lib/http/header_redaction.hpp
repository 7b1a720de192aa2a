#pragma once
// Keeping credentials out of logs: secret header values and known secret strings replaced.
#include <string>
#include <string_view>

namespace llmops::http {

// `text` with every occurrence of `secret` replaced by "[REDACTED]" (secret may be empty).
std::string redact(std::string_view text, std::string_view secret);

// True for header names that carry credentials (Authorization, api-key, x-api-key,
// Proxy-Authorization, Cookie ...): their values never reach a log.
bool is_secret_header(std::string_view name);

// "Name: value" for a log line, with the value of a secret header replaced.
std::string redacted_header_line(std::string_view name, std::string_view value);

} // namespace llmops::http
