// The Anthropic Messages API wire format: system prompt as a field, x-api-key,
// anthropic-version, max_tokens required, content as blocks, its own stream events.
#include "http/sse_parser.hpp"
#include "provider/request_codec.hpp"

namespace llmops::provider {

using nlohmann::json;

namespace {

// Anthropic requires max_tokens; this is used when neither provider nor request sets one.
constexpr int kDefaultMaxTokens = 1024;

void read_anthropic_usage(const json& usage, ChatResult& result) {
    if (!usage.is_object()) return;
    if (auto it = usage.find("input_tokens"); it != usage.end() && it->is_number_integer())
        result.prompt_tokens = it->get<std::int64_t>();
    if (auto it = usage.find("output_tokens"); it != usage.end() && it->is_number_integer())
        result.completion_tokens = it->get<std::int64_t>();
}

class AnthropicStreamDecoder final : public StreamDecoder {
  public:
    AnthropicStreamDecoder()
        : parser_(
              [this](std::string_view event, std::string_view data) { on_event(event, data); }) {}

    void feed(std::string_view bytes) override { parser_.feed(bytes); }
    bool got_token() const override { return got_token_; }

    void finish(ChatResult& result) override {
        parser_.finish();
        result.text = std::move(text_);
        result.finish_reason = normalise_finish_reason(stop_reason_);
        result.model = model_;
        result.prompt_tokens = usage_.prompt_tokens;
        result.completion_tokens = usage_.completion_tokens;
        if (!problem_.empty())
            bad_response(result, problem_);
        else if (!stopped_)
            bad_response(result, "the event stream ended before message_stop");
    }

  private:
    void on_event(std::string_view, std::string_view data) {
        json event = json::parse(data, nullptr, false);
        if (event.is_discarded() || !event.is_object()) {
            if (problem_.empty()) problem_ = "an event of the stream is not JSON";
            return;
        }
        // The type inside the data is authoritative; the SSE event name repeats it.
        std::string type = event.value("type", "");
        if (type == "message_start") {
            const json& message = event.value("message", json::object());
            if (message.is_object()) {
                model_ = message.value("model", "");
                if (auto u = message.find("usage"); u != message.end())
                    read_anthropic_usage(*u, usage_);
            }
        } else if (type == "content_block_delta") {
            const json& delta = event.value("delta", json::object());
            if (delta.is_object() && delta.value("type", "") == "text_delta") {
                std::string piece = delta.value("text", "");
                if (!piece.empty()) got_token_ = true;
                text_ += piece;
            }
        } else if (type == "message_delta") {
            const json& delta = event.value("delta", json::object());
            if (delta.is_object())
                if (auto s = delta.find("stop_reason"); s != delta.end() && s->is_string())
                    stop_reason_ = s->get<std::string>();
            if (auto u = event.find("usage"); u != event.end() && u->is_object())
                if (auto o = u->find("output_tokens"); o != u->end() && o->is_number_integer())
                    usage_.completion_tokens = o->get<std::int64_t>();
        } else if (type == "message_stop") {
            stopped_ = true;
        } else if (type == "error") {
            if (problem_.empty()) problem_ = "error in stream: " + error_message_from_body(data);
        }
    }

    http::SseParser parser_;
    std::string text_;
    std::string stop_reason_;
    std::string model_;
    std::string problem_;
    ChatResult usage_;
    bool got_token_ = false;
    bool stopped_ = false;
};

class AnthropicCodec final : public RequestCodec {
  public:
    explicit AnthropicCodec(const ProviderConfig& config) : config_(config) {}

    json body(const ChatRequest& request) const override {
        json body = json::object();
        body["model"] = request.model.empty() ? config_.model : request.model;
        std::string system;
        json messages = json::array();
        for (const auto& m : request.messages) {
            if (m.role == "system") {
                if (!system.empty()) system += "\n\n";
                system += m.content;
            } else {
                messages.push_back({{"role", m.role}, {"content", m.content}});
            }
        }
        if (!system.empty()) body["system"] = system;
        body["messages"] = std::move(messages);
        json params = merged_parameters(config_.parameters, request.parameters);
        // OpenAI spellings that have an Anthropic equivalent are translated; fields the
        // Messages API rejects (seed, penalties, response_format) are dropped.
        if (auto it = params.find("stop"); it != params.end()) {
            body["stop_sequences"] = it->is_string() ? json::array({*it}) : *it;
            params.erase(it);
        }
        if (auto it = params.find("max_completion_tokens"); it != params.end()) {
            if (!params.contains("max_tokens")) params["max_tokens"] = *it;
            params.erase(it);
        }
        for (const char* dropped : {"seed", "presence_penalty", "frequency_penalty",
                                    "response_format", "n", "logprobs", "stream_options"})
            params.erase(dropped);
        for (auto& [key, value] : params.items())
            body[key] = value;
        if (!body.contains("max_tokens")) body["max_tokens"] = kDefaultMaxTokens;
        if (config_.stream) body["stream"] = true;
        return body;
    }

    HeaderList headers(const std::string& api_key) const override {
        HeaderList h{{"Content-Type", "application/json"},
                     {"anthropic-version", config_.anthropic_version}};
        if (!api_key.empty()) h.emplace_back("x-api-key", api_key);
        if (config_.stream) h.emplace_back("Accept", "text/event-stream");
        for (const auto& extra : config_.headers)
            h.push_back(extra);
        return h;
    }

    void parse_response(std::string_view body, ChatResult& result) const override {
        json doc = json::parse(body, nullptr, false);
        if (doc.is_discarded()) return bad_response(result, "the response is not JSON");
        if (!doc.is_object()) return bad_response(result, "the response is not a JSON object");
        auto content = doc.find("content");
        if (content == doc.end() || !content->is_array())
            return bad_response(result, "the response has no content");
        std::string text;
        for (const auto& block : *content)
            if (block.is_object() && block.value("type", "") == "text")
                text += block.value("text", "");
        result.text = std::move(text);
        if (auto s = doc.find("stop_reason"); s != doc.end() && s->is_string())
            result.finish_reason = normalise_finish_reason(s->get<std::string>());
        if (auto m = doc.find("model"); m != doc.end() && m->is_string())
            result.model = m->get<std::string>();
        if (auto u = doc.find("usage"); u != doc.end()) read_anthropic_usage(*u, result);
    }

    std::unique_ptr<StreamDecoder> stream_decoder() const override {
        return std::make_unique<AnthropicStreamDecoder>();
    }

  private:
    ProviderConfig config_;
};

} // namespace

std::unique_ptr<RequestCodec> make_anthropic_codec(const ProviderConfig& config) {
    return std::make_unique<AnthropicCodec>(config);
}

} // namespace llmops::provider
