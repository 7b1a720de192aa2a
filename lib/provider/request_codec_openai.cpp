// The OpenAI chat completions wire format (also Azure OpenAI, vLLM, Ollama, llama.cpp, LiteLLM).
#include "http/sse_parser.hpp"
#include "provider/request_codec.hpp"

namespace llmops::provider {

using nlohmann::json;

namespace {

// The text of a message content: a string, or an array of parts whose text parts are joined.
std::string content_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string out;
    if (content.is_array())
        for (const auto& part : content)
            if (part.is_object() && part.value("type", "") == "text") {
                if (!out.empty()) out += '\n';
                out += part.value("text", "");
            }
    return out;
}

void read_openai_usage(const json& usage, ChatResult& result) {
    if (!usage.is_object()) return;
    if (auto it = usage.find("prompt_tokens"); it != usage.end() && it->is_number_integer())
        result.prompt_tokens = it->get<std::int64_t>();
    if (auto it = usage.find("completion_tokens"); it != usage.end() && it->is_number_integer())
        result.completion_tokens = it->get<std::int64_t>();
}

class OpenAiStreamDecoder final : public StreamDecoder {
  public:
    OpenAiStreamDecoder()
        : parser_([this](std::string_view, std::string_view data) { on_event(data); }) {}

    void feed(std::string_view bytes) override { parser_.feed(bytes); }
    bool got_token() const override { return got_token_; }

    void finish(ChatResult& result) override {
        parser_.finish();
        result.text = std::move(text_);
        result.finish_reason = normalise_finish_reason(finish_reason_);
        result.model = model_;
        result.prompt_tokens = usage_.prompt_tokens;
        result.completion_tokens = usage_.completion_tokens;
        if (!problem_.empty())
            bad_response(result, problem_);
        else if (!done_ && finish_reason_.empty())
            bad_response(result, "the event stream ended before the answer was complete");
    }

  private:
    void on_event(std::string_view data) {
        if (data == "[DONE]") {
            done_ = true;
            return;
        }
        json event = json::parse(data, nullptr, false);
        if (event.is_discarded() || !event.is_object()) {
            if (problem_.empty()) problem_ = "an event of the stream is not JSON";
            return;
        }
        if (auto it = event.find("error"); it != event.end()) {
            if (problem_.empty()) problem_ = "error in stream: " + error_message_from_body(data);
            return;
        }
        if (auto it = event.find("model"); it != event.end() && it->is_string())
            model_ = it->get<std::string>();
        if (auto it = event.find("usage"); it != event.end()) read_openai_usage(*it, usage_);
        auto choices = event.find("choices");
        if (choices == event.end() || !choices->is_array() || choices->empty()) return;
        const json& choice = (*choices)[0];
        if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
            if (auto c = delta->find("content"); c != delta->end() && c->is_string()) {
                const auto& piece = c->get_ref<const std::string&>();
                if (!piece.empty()) got_token_ = true;
                text_ += piece;
            }
        }
        if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string())
            finish_reason_ = f->get<std::string>();
    }

    http::SseParser parser_;
    std::string text_;
    std::string finish_reason_;
    std::string model_;
    std::string problem_;
    ChatResult usage_;
    bool got_token_ = false;
    bool done_ = false;
};

class OpenAiCodec final : public RequestCodec {
  public:
    explicit OpenAiCodec(const ProviderConfig& config) : config_(config) {}

    json body(const ChatRequest& request) const override {
        json body = json::object();
        const std::string& model = request.model.empty() ? config_.model : request.model;
        if (!model.empty() && config_.type != ProviderType::Azure) body["model"] = model;
        body["messages"] = messages_json(request.messages);
        merge_parameters_into(body, config_.parameters, request.parameters);
        if (config_.stream) {
            body["stream"] = true;
            body["stream_options"] = {{"include_usage", true}};
        }
        return body;
    }

    HeaderList headers(const std::string& api_key) const override {
        HeaderList h{{"Content-Type", "application/json"}};
        if (!api_key.empty()) {
            if (config_.type == ProviderType::Azure)
                h.emplace_back("api-key", api_key);
            else
                h.emplace_back("Authorization", "Bearer " + api_key);
        }
        if (config_.stream) h.emplace_back("Accept", "text/event-stream");
        for (const auto& extra : config_.headers)
            h.push_back(extra);
        return h;
    }

    void parse_response(std::string_view body, ChatResult& result) const override {
        json doc = json::parse(body, nullptr, false);
        if (doc.is_discarded()) return bad_response(result, "the response is not JSON");
        if (!doc.is_object()) return bad_response(result, "the response is not a JSON object");
        auto choices = doc.find("choices");
        if (choices == doc.end() || !choices->is_array() || choices->empty() ||
            !(*choices)[0].is_object())
            return bad_response(result, "the response has no choices");
        const json& choice = (*choices)[0];
        auto message = choice.find("message");
        if (message == choice.end() || !message->is_object())
            return bad_response(result, "the response's choice has no message");
        auto content = message->find("content");
        if (content == message->end() ||
            !(content->is_string() || content->is_array() || content->is_null()))
            return bad_response(result, "the response's message has no content");
        result.text = content_text(*content);
        if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string())
            result.finish_reason = normalise_finish_reason(f->get<std::string>());
        if (auto m = doc.find("model"); m != doc.end() && m->is_string())
            result.model = m->get<std::string>();
        if (auto u = doc.find("usage"); u != doc.end()) read_openai_usage(*u, result);
    }

    std::unique_ptr<StreamDecoder> stream_decoder() const override {
        return std::make_unique<OpenAiStreamDecoder>();
    }

  private:
    ProviderConfig config_;
};

} // namespace

std::unique_ptr<RequestCodec> make_openai_codec(const ProviderConfig& config) {
    return std::make_unique<OpenAiCodec>(config);
}

std::unique_ptr<RequestCodec> make_codec(const ProviderConfig& config) {
    if (config.type == ProviderType::Anthropic) return make_anthropic_codec(config);
    return make_openai_codec(config);
}

void bad_response(ChatResult& result, std::string message) {
    result.error = ProviderErrorKind::BadResponse;
    result.error_message = std::move(message);
}

std::string error_message_from_body(std::string_view body) {
    json doc = json::parse(body, nullptr, false);
    if (doc.is_object()) {
        auto error = doc.find("error");
        if (error != doc.end()) {
            if (error->is_string()) return error->get<std::string>();
            if (error->is_object())
                if (auto m = error->find("message"); m != error->end() && m->is_string())
                    return m->get<std::string>();
        }
        if (auto m = doc.find("message"); m != doc.end() && m->is_string())
            return m->get<std::string>();
    }
    std::string text(body.substr(0, 200));
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

// Plain iterators and object_t access: this runs once per request (and per cache lookup),
// and nlohmann's initializer lists and items() copy more than needed.
void merge_parameters_into(json& out, const json& provider_params, const json& request_params) {
    auto& target = out.get_ref<json::object_t&>();
    const json* sources[] = {&provider_params, &request_params};
    for (const json* source : sources) {
        if (!source->is_object()) continue;
        for (auto it = source->begin(); it != source->end(); ++it) {
            // "name" is a prompt spec's model name, not a request field; extras go last.
            if (it.key() == "name" || (it.key() == "extra" && it->is_object())) continue;
            target.insert_or_assign(it.key(), *it);
        }
    }
    for (const json* source : sources) {
        if (!source->is_object()) continue;
        auto extra = source->find("extra");
        if (extra == source->end() || !extra->is_object()) continue;
        for (auto it = extra->begin(); it != extra->end(); ++it)
            target.insert_or_assign(it.key(), *it);
    }
}

json merged_parameters(const json& provider_params, const json& request_params) {
    json out = json::object();
    merge_parameters_into(out, provider_params, request_params);
    return out;
}

json messages_json(const std::vector<ChatMessage>& messages) {
    json out = json::array();
    auto& array = out.get_ref<json::array_t&>();
    array.reserve(messages.size());
    for (const auto& m : messages) {
        json message = json::object();
        auto& object = message.get_ref<json::object_t&>();
        object.emplace("role", m.role);
        object.emplace("content", m.content);
        if (!m.name.empty()) object.emplace("name", m.name);
        array.push_back(std::move(message));
    }
    return out;
}

std::string normalise_finish_reason(std::string_view reason) {
    if (reason == "end_turn" || reason == "stop_sequence") return "stop";
    if (reason == "max_tokens") return "length";
    if (reason == "tool_use") return "tool_calls";
    return std::string(reason);
}

} // namespace llmops::provider
