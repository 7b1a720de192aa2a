#pragma once
// The response side of the OpenAI API: error bodies, chat completions, stream chunks and the
// model list, in the shapes OpenAI's SDKs parse. Reference: docs/serve.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "provider/chat_types.hpp"
#include "serve/chat_intake.hpp"

namespace llmops::serve {

// {"error": {"message", "type", "param", "code"}}: param and code are null when empty.
std::string error_body(const ApiError& error);
// The error a provider failure becomes: 502 (upstream error), 504 (timeout), 429 (rate limit).
ApiError upstream_error(const provider::ChatResult& result, const std::string& provider_id);
// An OpenAI error `type` for a status: 400 invalid_request_error, 401 authentication_error,
// 403 permission_error, 404 not_found_error, 429 rate_limit_error, 5xx server_error ...
std::string error_type_for_status(int status);

// A chat.completion object; `id` is "chatcmpl-" + the request id.
std::string completion_body(const std::string& request_id, std::int64_t created,
                            const std::string& model, const provider::ChatResult& result);

// One chat.completion.chunk event payload (the text after "data: ").
std::string chunk_data(const std::string& request_id, std::int64_t created,
                       const std::string& model, std::string_view role, std::string_view content,
                       std::string_view finish_reason);
// The final usage chunk (choices: []) sent when stream_options.include_usage is set.
std::string usage_chunk_data(const std::string& request_id, std::int64_t created,
                             const std::string& model, std::int64_t prompt_tokens,
                             std::int64_t completion_tokens);
// An error inside a stream that has already begun: {"error": {...}} as one event payload.
std::string stream_error_data(const ApiError& error);

// "data: PAYLOAD\n\n".
std::string sse_event(std::string_view payload);

// {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}.
std::string models_body(const std::vector<std::string>& ids, const std::string& owner);

} // namespace llmops::serve
