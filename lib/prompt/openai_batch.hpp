#pragma once
// Lines of an OpenAI Batch API input file (`prompt render --data --format openai`): one
// request per rendered row, {"custom_id": "row-N", "method": "POST", "url", "body"}.
#include "prompt/prompt_render.hpp"

#include <string>

namespace llmops::prompt {

// Appends the line for row `row` (with its newline) to `out`.
void append_openai_batch_line(const CompiledPrompt& prompt, const RenderedPrompt& rendered,
                              long row, std::string& out);

} // namespace llmops::prompt
