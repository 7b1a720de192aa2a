#pragma once
// The JSON Schema (2020-12) of eval specs: schemas/eval.schema.json, built into the binary.
// The text itself is eval_schema_text() in eval/eval_spec.hpp.
#include "json/json_schema.hpp"

namespace llmops::eval {

// Compiled once on first use; immutable and safe to share between threads.
const JsonSchema& eval_spec_schema();

} // namespace llmops::eval
