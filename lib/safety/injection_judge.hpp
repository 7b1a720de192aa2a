#pragma once
// The optional LLM judge for prompt injection (`injection_judge`): asks a model, through any
// configured provider, whether a text tries to take over the model that reads it. Its verdict
// is reported apart from the heuristic findings: it costs a model call, can be wrong in its
// own ways, and is itself exposed to the text it judges (which is therefore passed as a JSON
// string, with the instruction to treat it as data).
#include <string>
#include <string_view>

#include "provider/batch_runner.hpp"
#include "provider/chat_types.hpp"
#include "provider/provider_config.hpp"

namespace llmops::safety {

struct InjectionJudgement {
    bool ok = false;        // the judge answered and its answer could be read
    bool injection = false; // its verdict
    double score = 0;       // its confidence that the text is an attack, in [0, 1]
    std::string reason;     // its one-line reason
    std::string error;      // when !ok: the provider's error or why the answer is unreadable
};

// The judge's request for `text`; `model` overrides the provider's model when not empty.
provider::ChatRequest injection_judge_request(std::string_view text, const std::string& model = {});

// Reads the judge's answer: the first JSON object in it with "injection" (a boolean, or
// "yes"/"no"/"true"/"false") and/or "score" (0-1); a missing one is filled from the other
// (score 1 or 0; injection when score >= 0.5). ok = false with `error` when neither is there.
InjectionJudgement read_injection_judgement(std::string_view answer);

// Sends the request through `provider` (with the engine's retries and limits) and reads the
// answer. Provider failures come back as ok = false with the error, not as exceptions; a
// missing API key throws Error(Provider) as every provider call does.
InjectionJudgement judge_injection(const provider::ProviderConfig& provider, std::string_view text,
                                   const provider::EngineOptions& options = {},
                                   const std::string& model = {});

} // namespace llmops::safety
