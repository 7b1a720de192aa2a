#pragma once
// Prompt specs written back as YAML, for `prompt show` and `prompt diff`: top-level keys in
// reading order (name, description, extends, messages/template, variables, examples, model,
// output), multi-line strings as literal blocks so templates read (and diff) line by line.
// Reading the text back with parse_yaml gives the same JSON value.
#include <string>

#include <nlohmann/json.hpp>

namespace llmops::prompt {

std::string spec_to_yaml(const nlohmann::json& spec);

} // namespace llmops::prompt
