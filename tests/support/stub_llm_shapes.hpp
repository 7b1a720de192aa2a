// Request summary, response bodies and error bodies of the stub model server, in OpenAI and
// Anthropic shape.
#pragma once

#include <fmt/core.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "stub_llm_answers.hpp"

namespace stub_llm {

using nlohmann::json;

// Invalid UTF-8 in a prompt must not turn into an exception: replace it.
inline std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

enum class Api { openai, azure, anthropic };

struct Chat {
    std::string model;
    bool stream = false;
    bool include_usage = false;
    std::optional<std::uint64_t> max_tokens;
    std::string last_user;
    std::size_t prompt_chars = 0;
};

struct Reply {
    std::string id;
    std::string text;
    bool cut = false; // stopped by max_tokens
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
};

// Headers that carry credentials: Authorization and any name with key, token or secret in it.
inline bool is_credential_header(const std::string& name) {
    const std::string lower = llmops::ascii_lower(name);
    return lower == "authorization" || lower.find("key") != std::string::npos ||
           lower.find("token") != std::string::npos || lower.find("secret") != std::string::npos;
}

// What --echo-key reflects: every credential header received, "Name: value; ...".
inline std::string reflected_credentials(const httplib::Request& req) {
    std::string out;
    for (const auto& [name, value] : req.headers)
        if (is_credential_header(name)) out += (out.empty() ? "" : "; ") + name + ": " + value;
    return out;
}

inline json openai_body(const Chat& chat, const Reply& r) {
    return {{"id", r.id},
            {"object", "chat.completion"},
            {"created", static_cast<long long>(std::time(nullptr))},
            {"model", chat.model},
            {"choices",
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", r.text}}},
               {"logprobs", nullptr},
               {"finish_reason", r.cut ? "length" : "stop"}}}},
            {"usage",
             {{"prompt_tokens", r.prompt_tokens},
              {"completion_tokens", r.completion_tokens},
              {"total_tokens", r.prompt_tokens + r.completion_tokens}}}};
}

inline json anthropic_body(const Chat& chat, const Reply& r) {
    return {{"id", r.id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", chat.model},
            {"content", {{{"type", "text"}, {"text", r.text}}}},
            {"stop_reason", r.cut ? "max_tokens" : "end_turn"},
            {"stop_sequence", nullptr},
            {"usage", {{"input_tokens", r.prompt_tokens}, {"output_tokens", r.completion_tokens}}}};
}

inline std::vector<std::string> openai_events(const Chat& chat, const Reply& r) {
    json chunk = {{"id", r.id},
                  {"object", "chat.completion.chunk"},
                  {"created", static_cast<long long>(std::time(nullptr))},
                  {"model", chat.model}};
    std::vector<std::string> out;
    auto emit = [&](json delta, json finish) {
        chunk["choices"] = {
            {{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}};
        out.push_back("data: " + dump(chunk) + "\n\n");
    };
    emit({{"role", "assistant"}, {"content", ""}}, nullptr);
    for (auto& piece : stream_pieces(r.text))
        emit({{"content", std::move(piece)}}, nullptr);
    emit(json::object(), r.cut ? "length" : "stop");
    if (chat.include_usage) {
        chunk["choices"] = json::array();
        chunk["usage"] = {{"prompt_tokens", r.prompt_tokens},
                          {"completion_tokens", r.completion_tokens},
                          {"total_tokens", r.prompt_tokens + r.completion_tokens}};
        out.push_back("data: " + dump(chunk) + "\n\n");
    }
    out.push_back("data: [DONE]\n\n");
    return out;
}

inline std::vector<std::string> anthropic_events(const Chat& chat, const Reply& r) {
    std::vector<std::string> out;
    auto emit = [&](const char* name, const json& data) {
        out.push_back(fmt::format("event: {}\ndata: {}\n\n", name, dump(data)));
    };
    emit("message_start",
         {{"type", "message_start"},
          {"message",
           {{"id", r.id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", chat.model},
            {"content", json::array()},
            {"stop_reason", nullptr},
            {"stop_sequence", nullptr},
            {"usage", {{"input_tokens", r.prompt_tokens}, {"output_tokens", 1}}}}}});
    emit("content_block_start", {{"type", "content_block_start"},
                                 {"index", 0},
                                 {"content_block", {{"type", "text"}, {"text", ""}}}});
    emit("ping", {{"type", "ping"}});
    for (auto& piece : stream_pieces(r.text)) {
        emit("content_block_delta",
             {{"type", "content_block_delta"},
              {"index", 0},
              {"delta", {{"type", "text_delta"}, {"text", std::move(piece)}}}});
    }
    emit("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
    emit("message_delta",
         {{"type", "message_delta"},
          {"delta",
           {{"stop_reason", r.cut ? "max_tokens" : "end_turn"}, {"stop_sequence", nullptr}}},
          {"usage", {{"output_tokens", r.completion_tokens}}}});
    emit("message_stop", {{"type", "message_stop"}});
    return out;
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

// Error bodies in each vendor's shape, so clients exercise their real error parsing.
void send_error(httplib::Response& res, Api api, int status, const std::string& message) {
    if (api == Api::anthropic) {
        const char* type = status == 400   ? "invalid_request_error"
                           : status == 401 ? "authentication_error"
                           : status == 403 ? "permission_error"
                           : status == 404 ? "not_found_error"
                           : status == 429 ? "rate_limit_error"
                           : status == 529 ? "overloaded_error"
                                           : "api_error";
        send_json(res, status,
                  {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
        return;
    }
    const char* type = status == 429   ? "requests"
                       : status >= 500 ? "server_error"
                                       : "invalid_request_error";
    json code = status == 401   ? json("invalid_api_key")
                : status == 429 ? json("rate_limit_exceeded")
                                : json(nullptr);
    send_json(
        res, status,
        {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}});
}

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm); // C locale: IMF-fixdate
    return buf;
}

} // namespace stub_llm
