#pragma once
// What each HTTP API looks like on the wire: the request body and headers a ChatRequest
// becomes, and how a response body or event stream becomes a ChatResult.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::provider {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Turns a stream of SSE bytes into the answer as it arrives.
class StreamDecoder {
  public:
    virtual ~StreamDecoder() = default;
    virtual void feed(std::string_view bytes) = 0;
    // True once the first piece of answer text has arrived (time to first token).
    virtual bool got_token() const = 0;
    // At the end of the stream: text, finish reason, usage; or a BadResponse error when the
    // stream was malformed or ended early.
    virtual void finish(ChatResult& result) = 0;
};

class RequestCodec {
  public:
    virtual ~RequestCodec() = default;
    // The JSON body for a request, parameters merged (provider's, then the request's).
    // Holds no secret. `stream` is added by the codec when the provider streams.
    virtual nlohmann::json body(const ChatRequest& request) const = 0;
    // Content type, auth and extra headers. `api_key` may be empty.
    virtual HeaderList headers(const std::string& api_key) const = 0;
    // A complete 2xx body: fills text, finish_reason, tokens, model; or sets BadResponse.
    virtual void parse_response(std::string_view body, ChatResult& result) const = 0;
    virtual std::unique_ptr<StreamDecoder> stream_decoder() const = 0;
};

// openai and azure share one codec (azure differs in URL and key header only).
std::unique_ptr<RequestCodec> make_openai_codec(const ProviderConfig& config);
std::unique_ptr<RequestCodec> make_anthropic_codec(const ProviderConfig& config);
std::unique_ptr<RequestCodec> make_codec(const ProviderConfig& config);

// The human part of an error body: error.message (OpenAI, Anthropic, Azure), else the body's
// first 200 bytes.
std::string error_message_from_body(std::string_view body);

// Marks the result BadResponse with a message (a 2xx body the codec could not read).
void bad_response(ChatResult& result, std::string message);

// Merges provider parameters and request parameters (the request wins, "extra" merged key by
// key) into one object. Shared by codecs and the exec provider.
nlohmann::json merged_parameters(const nlohmann::json& provider_params,
                                 const nlohmann::json& request_params);
// The same, written into an existing object (the request body).
void merge_parameters_into(nlohmann::json& out, const nlohmann::json& provider_params,
                           const nlohmann::json& request_params);

// [{"role", "content"[, "name"]}] in the OpenAI shape.
nlohmann::json messages_json(const std::vector<ChatMessage>& messages);

// Normalised finish reasons: Anthropic's end_turn / stop_sequence -> stop, max_tokens -> length,
// tool_use -> tool_calls; others as given.
std::string normalise_finish_reason(std::string_view reason);

} // namespace llmops::provider
