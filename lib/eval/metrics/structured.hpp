#pragma once
// Structure checks on model output: is it JSON. (Its estimated length in tokens is
// core/text.hpp's approx_tokens, the one estimate llmops uses.)
#include <cstddef>
#include <string_view>

namespace llmops::eval {

// True when the whole text is one JSON value (RFC 8259, nlohmann parser): objects, arrays and
// scalars alike, surrounding whitespace allowed, no trailing commas, comments or NaN.
bool is_json(std::string_view text);

} // namespace llmops::eval
