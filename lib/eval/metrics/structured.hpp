#pragma once
// Structure checks on model output: is it JSON, and roughly how many tokens is it.
#include <cstddef>
#include <string_view>

namespace llmops::eval {

// True when the whole text is one JSON value (RFC 8259, nlohmann parser): objects, arrays and
// scalars alike, surrounding whitespace allowed, no trailing commas, comments or NaN.
bool is_json(std::string_view text);

// Approximate LLM token count: ceil(code points / 4), OpenAI's rule of thumb for English text
// ("one token is about four characters"). Exact counts need the model's own tokenizer; this
// is for length budgets, not billing.
std::size_t token_count(std::string_view text);

} // namespace llmops::eval
