#pragma once
// The request side of the OpenAI API as the gateway accepts it: a chat completions body
// checked field by field (types, ranges, sizes) into a typed request, or an OpenAI-shaped
// error with the HTTP status OpenAI would give. Never throws on any input: this is the path a
// hostile client controls, and fuzz/fuzz_serve_request.cpp runs it. Reference: docs/serve.md.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/chat_types.hpp"

namespace llmops::serve {

// An error as the client sees it: {"error": {"message", "type", "param", "code"}} with `status`.
// `kind` is what the request log records (bad_json, bad_field, unknown_route, ...).
struct ApiError {
    int status = 400;
    std::string kind;
    std::string message;
    std::string type = "invalid_request_error";
    std::string param; // the offending field, "" when none
    std::string code;  // OpenAI's error code, "" when none
};

struct ChatIntake {
    std::string model; // a route, or a provider id where passthrough allows it
    std::vector<provider::ChatMessage> messages;
    std::optional<nlohmann::json> variables; // an object, for prompt routes
    bool stream = false;
    bool include_usage = false; // stream_options.include_usage
    std::string user;
    // Sampling fields passed on to the provider (temperature, top_p, max_tokens, stop, seed,
    // presence_penalty, frequency_penalty, response_format).
    nlohmann::json parameters = nlohmann::json::object();
};

// Parses and checks a /v1/chat/completions body.
std::variant<ChatIntake, ApiError> parse_chat_body(std::string_view body);

// The text of a message content: a string, or the text parts of an array joined by "\n".
// nullopt when the value has another shape.
std::optional<std::string> content_text(const nlohmann::json& content);

} // namespace llmops::serve
