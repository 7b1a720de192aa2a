#pragma once
// Renders a compiled prompt for one set of variables: the exact messages a model would get.
// Declared defaults fill gaps, `examples` is visible to the templates, a missing required
// variable is an error, and no template is ever left with a hole: an interpolated name that
// is neither supplied nor declared is an error too (never an unrendered {{name}}).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mustache/mustache.hpp"
#include "prompt/prompt_spec.hpp"

namespace llmops::prompt {

struct RenderedMessage {
    std::string role;
    std::string name; // optional participant name
    std::string content;
};

struct RenderedPrompt {
    bool completion = false;
    std::vector<RenderedMessage> messages; // chat prompts
    std::string text;                      // completion prompts
};

// Renders one prompt many times. Keeps a context of defaults and examples and swaps each
// call's variables in and out, so examples are never copied per row. Not thread-safe: use one
// renderer per thread (the CompiledPrompt itself is shared).
class PromptRenderer {
  public:
    explicit PromptRenderer(CompiledPromptPtr prompt);

    // `variables` must be a JSON object; its values are moved into the context. `row` (>= 0)
    // is named in errors. Throws Error(BadInput) naming the variable, the prompt and the row.
    // `out` is reused: its strings keep their capacity.
    void render(nlohmann::json variables, RenderedPrompt& out, long row = -1);
    RenderedPrompt render(nlohmann::json variables, long row = -1);

    const CompiledPrompt& prompt() const { return *prompt_; }

  private:
    void check(const nlohmann::json& variables, long row) const;
    void render_templates(RenderedPrompt& out, long row);

    CompiledPromptPtr prompt_;
    nlohmann::json context_;
    mustache::RenderOptions options_;
    std::vector<std::string> added_;                               // keys a render added
    std::vector<std::pair<std::string, nlohmann::json>> replaced_; // values it displaced
};

// A variable given as text on a command line (--var k=v), typed by its declaration: numbers,
// booleans, arrays and objects are parsed; strings and undeclared names stay text. Throws
// Error(BadInput) when the text does not fit the declared type.
nlohmann::json variable_from_text(const CompiledPrompt& prompt, const std::string& name,
                                  const std::string& text);

// {"prompt": "qa@3", "messages": [{"role", "content"[, "name"]}]} or {"prompt", "text"}.
nlohmann::json rendered_to_json(const CompiledPrompt& prompt, const RenderedPrompt& rendered);

// The same as one compact JSON line with "row" first (JSONL of `render --data`), appended to
// `out` without building a JSON tree.
void append_rendered_json_line(const CompiledPrompt& prompt, const RenderedPrompt& rendered,
                               long row, std::string& out);

// The request body an OpenAI-compatible endpoint would get: /v1/chat/completions for chat
// prompts, /v1/completions for completion prompts, with the model parameters and, for an
// output schema, response_format.
nlohmann::json openai_request_body(const CompiledPrompt& prompt, const RenderedPrompt& rendered);

// OpenAI's response_format for the prompt's output schema; null when it has none.
nlohmann::json response_format_for(const CompiledPrompt& prompt);

// "/v1/chat/completions" or "/v1/completions".
std::string_view openai_endpoint(const CompiledPrompt& prompt);

} // namespace llmops::prompt
