// libFuzzer target: the gateway's request parsing path. Arbitrary bytes as a chat completions
// body must give a typed request or an OpenAI-shaped error (status 400), never an exception,
// crash, hang or sanitizer report; the error body must itself be valid JSON.
#include "serve/chat_intake.hpp"
#include "serve/openai_shapes.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = llmops::serve::parse_chat_body(body);
    if (auto* error = std::get_if<llmops::serve::ApiError>(&parsed)) {
        if (error->status != 400 || error->kind.empty()) std::abort();
        auto shaped = nlohmann::json::parse(llmops::serve::error_body(*error), nullptr, false);
        if (shaped.is_discarded() || !shaped["error"]["message"].is_string()) std::abort();
    } else {
        const auto& in = std::get<llmops::serve::ChatIntake>(parsed);
        if (in.model.empty()) std::abort();
        if (in.messages.empty() && !in.variables) std::abort();
        for (const auto& m : in.messages)
            if (m.role.empty()) std::abort();
    }
    return 0;
}
