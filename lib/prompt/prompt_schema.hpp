#pragma once
// The JSON Schema (2020-12) of prompt specs: schemas/prompt.schema.json, built into the binary.
#include <string_view>

#include "json/json_schema.hpp"

namespace llmops::prompt {

std::string_view prompt_spec_schema_text();
const JsonSchema& prompt_spec_schema();

} // namespace llmops::prompt
