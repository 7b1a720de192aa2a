#pragma once
// The budgets of a project: the `limits:` section of llmops.yaml, and the LLMOPS_TEMPLATE_*
// environment variables that override it for one command. Reference: docs/templates.md#limits.
//
//   limits:
//     template_steps: 10000000          # tags and text runs one render may process
//     template_output_bytes: 16777216   # bytes one render may produce
//     template_depth: 100               # sections nested inside each other in one template
#include <filesystem>

#include "mustache/template_limits.hpp"
#include "json/yaml_document.hpp"

namespace llmops::store {

// The limits `limits:` sets, on top of the defaults (other keys of the document are ignored).
// Throws Error(BadInput) at file:line:column for an unknown key or a value out of range.
mustache::TemplateLimits parse_template_limits(const YamlDocument& config);

// LLMOPS_TEMPLATE_STEPS, LLMOPS_TEMPLATE_OUTPUT_BYTES and LLMOPS_TEMPLATE_DEPTH applied on top
// of `limits`. Throws Error(Usage) naming the variable for a value out of range.
mustache::TemplateLimits apply_limit_environment(mustache::TemplateLimits limits);

// Both: the project's llmops.yaml (when `config_file` exists), then the environment.
mustache::TemplateLimits load_template_limits(const std::filesystem::path& config_file);

// The hint a limit error carries: where these limits can be raised.
std::string limits_hint();

} // namespace llmops::store
