#pragma once
// The bridge from a rendered prompt to a provider request: messages, the model and the
// sampling parameters of the prompt spec (`model:`), and an output schema as response_format.
#include <string>

#include <nlohmann/json.hpp>

#include "prompt/prompt_render.hpp"
#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::run {

// Per-run overrides from an eval's provider entry ({id: local, model: llama3, temperature: 0}).
struct RequestOverrides {
    std::string model;
    nlohmann::json parameters = nlohmann::json::object();
};

// The model is the override's, else the provider's own `model`, else the prompt's
// `model.name` (a provider that names no model, such as echo, exec or a bare endpoint).
// Parameters: the prompt's, then the overrides on top (the provider's own defaults are
// merged under both by the provider). A completion prompt becomes one user message.
provider::ChatRequest chat_request_for(const prompt::CompiledPrompt& prompt,
                                       const prompt::RenderedPrompt& rendered,
                                       const provider::ProviderConfig& provider,
                                       const RequestOverrides& overrides = {});

// The messages as compact JSON: [{"role", "content"[, "name"]}] (what a run row stores).
std::string messages_json(const provider::ChatRequest& request);

} // namespace llmops::run
