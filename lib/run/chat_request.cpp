#include "run/chat_request.hpp"

namespace llmops::run {

using nlohmann::json;

provider::ChatRequest chat_request_for(const prompt::CompiledPrompt& prompt,
                                       const prompt::RenderedPrompt& rendered,
                                       const provider::ProviderConfig& provider,
                                       const RequestOverrides& overrides) {
    provider::ChatRequest request;
    if (rendered.completion) {
        request.messages.push_back({"user", rendered.text, ""});
    } else {
        request.messages.reserve(rendered.messages.size());
        for (const auto& m : rendered.messages)
            request.messages.push_back({m.role, m.content, m.name});
    }
    if (!overrides.model.empty()) {
        request.model = overrides.model;
    } else if (provider.model.empty()) {
        if (auto name = prompt.model.find("name"); name != prompt.model.end() && name->is_string())
            request.model = name->get<std::string>();
    }
    request.parameters = prompt.model; // "name" is skipped by the providers' codecs
    request.parameters.erase("name");
    if (prompt.output_schema && !rendered.completion)
        request.parameters["response_format"] = prompt::response_format_for(prompt);
    for (const auto& [key, value] : overrides.parameters.items())
        request.parameters[key] = value;
    return request;
}

std::string messages_json(const provider::ChatRequest& request) {
    json messages = json::array();
    for (const auto& m : request.messages) {
        json message = {{"role", m.role}, {"content", m.content}};
        if (!m.name.empty()) message["name"] = m.name;
        messages.push_back(std::move(message));
    }
    return messages.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace llmops::run
