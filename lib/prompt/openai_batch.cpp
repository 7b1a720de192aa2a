#include "prompt/openai_batch.hpp"

namespace llmops::prompt {

void append_openai_batch_line(const CompiledPrompt& prompt, const RenderedPrompt& rendered,
                              long row, std::string& out) {
    nlohmann::json line = {{"custom_id", "row-" + std::to_string(row)},
                           {"method", "POST"},
                           {"url", std::string(openai_endpoint(prompt))},
                           {"body", openai_request_body(prompt, rendered)}};
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
}

} // namespace llmops::prompt
