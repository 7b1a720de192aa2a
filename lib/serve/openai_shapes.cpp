#include "serve/openai_shapes.hpp"

#include "core/text.hpp"
#include "json/canonical_json.hpp"

#include <nlohmann/json.hpp>

namespace llmops::serve {

using nlohmann::json;

std::string error_type_for_status(int status) {
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 413:
    case 431:
    case 400:
    case 422:
        return "invalid_request_error";
    case 429:
        return "rate_limit_error";
    default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

std::string error_body(const ApiError& error) {
    json e = {{"message", error.message},
              {"type", error.type.empty() ? error_type_for_status(error.status) : error.type},
              {"param", error.param.empty() ? json(nullptr) : json(error.param)},
              {"code", error.code.empty() ? json(nullptr) : json(error.code)}};
    return json{{"error", std::move(e)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiError upstream_error(const provider::ChatResult& result, const std::string& provider_id) {
    ApiError e;
    e.kind = "upstream_" + std::string(provider::to_string(result.error));
    e.type = "server_error";
    switch (result.error) {
    case provider::ProviderErrorKind::Timeout:
        e.status = 504;
        e.code = "upstream_timeout";
        break;
    case provider::ProviderErrorKind::RateLimit:
        e.status = 429;
        e.type = "rate_limit_error";
        e.code = "upstream_rate_limited";
        break;
    default:
        e.status = 502;
        e.code = "upstream_error";
        break;
    }
    e.message = "provider '" + provider_id + "' failed: " + result.error_message;
    return e;
}

namespace {

// The completion built through an nlohmann tree: the reference form, and the one used when a
// text is not valid UTF-8 (dump replaces the bad bytes).
std::string completion_body_via_tree(const std::string& request_id, std::int64_t created,
                                     const std::string& model, const provider::ChatResult& result) {
    json body = {{"id", "chatcmpl-" + request_id},
                 {"object", "chat.completion"},
                 {"created", created},
                 {"model", model},
                 {"choices",
                  json::array({{{"index", 0},
                                {"message", {{"role", "assistant"}, {"content", result.text}}},
                                {"logprobs", nullptr},
                                {"finish_reason",
                                 result.finish_reason.empty() ? "stop" : result.finish_reason}}})},
                 {"usage",
                  {{"prompt_tokens", result.prompt_tokens},
                   {"completion_tokens", result.completion_tokens},
                   {"total_tokens", result.prompt_tokens + result.completion_tokens}}},
                 {"system_fingerprint", nullptr}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::string completion_body(const std::string& request_id, std::int64_t created,
                            const std::string& model, const provider::ChatResult& result) {
    const std::string& finish =
        result.finish_reason.empty() ? std::string("stop") : result.finish_reason;
    if (!is_valid_utf8(result.text) || !is_valid_utf8(model) || !is_valid_utf8(finish) ||
        !is_valid_utf8(request_id))
        return completion_body_via_tree(request_id, created, model, result);
    // Written directly, byte for byte what the tree gives (its keys sorted): the gateway's
    // hottest serialisation, without a tree of small allocations per answer.
    std::string out;
    out.reserve(result.text.size() + model.size() + request_id.size() + 320);
    out += R"({"choices":[{"finish_reason":)";
    append_json_string(finish, out);
    out += R"(,"index":0,"logprobs":null,"message":{"content":)";
    append_json_string(result.text, out);
    out += R"(,"role":"assistant"}}],"created":)";
    append_canonical_int(created, out);
    out += R"(,"id":)";
    append_json_string("chatcmpl-" + request_id, out);
    out += R"(,"model":)";
    append_json_string(model, out);
    out += R"(,"object":"chat.completion","system_fingerprint":null,"usage":{"completion_tokens":)";
    append_canonical_int(result.completion_tokens, out);
    out += R"(,"prompt_tokens":)";
    append_canonical_int(result.prompt_tokens, out);
    out += R"(,"total_tokens":)";
    append_canonical_int(result.prompt_tokens + result.completion_tokens, out);
    out += "}}";
    return out;
}

std::string chunk_data(const std::string& request_id, std::int64_t created,
                       const std::string& model, std::string_view role, std::string_view content,
                       std::string_view finish_reason) {
    json delta = json::object();
    if (!role.empty()) delta["role"] = role;
    if (!role.empty() || !content.empty()) delta["content"] = content;
    json body = {{"id", "chatcmpl-" + request_id},
                 {"object", "chat.completion.chunk"},
                 {"created", created},
                 {"model", model},
                 {"system_fingerprint", nullptr},
                 {"choices",
                  json::array({{{"index", 0},
                                {"delta", std::move(delta)},
                                {"logprobs", nullptr},
                                {"finish_reason",
                                 finish_reason.empty() ? json(nullptr) : json(finish_reason)}}})}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string usage_chunk_data(const std::string& request_id, std::int64_t created,
                             const std::string& model, std::int64_t prompt_tokens,
                             std::int64_t completion_tokens) {
    json body = {{"id", "chatcmpl-" + request_id},
                 {"object", "chat.completion.chunk"},
                 {"created", created},
                 {"model", model},
                 {"choices", json::array()},
                 {"usage",
                  {{"prompt_tokens", prompt_tokens},
                   {"completion_tokens", completion_tokens},
                   {"total_tokens", prompt_tokens + completion_tokens}}}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string stream_error_data(const ApiError& error) {
    return error_body(error);
}

std::string sse_event(std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 8);
    out += "data: ";
    out += payload;
    out += "\n\n";
    return out;
}

std::string models_body(const std::vector<std::string>& ids, const std::string& owner) {
    json data = json::array();
    for (const auto& id : ids)
        data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", owner}});
    return json{{"object", "list"}, {"data", std::move(data)}}.dump();
}

} // namespace llmops::serve
