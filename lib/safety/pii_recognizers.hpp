#pragma once
// The built-in recognizers: for each entity type, the candidate pattern (RE2), the validation a
// candidate must pass, its base score and its context words. docs/safety.md#recognizers.
#include <vector>

#include "safety/pii_settings.hpp"

namespace llmops::safety {

std::vector<RecognizerSpec> builtin_recognizers();

// The validation kinds a user-defined recognizer may name.
const std::vector<std::string>& user_validation_kinds();

} // namespace llmops::safety
