#pragma once
// llmops.yaml as a whole: its top-level keys. Each section is read by the module it belongs to
// (providers: and prices: by provider/provider_config, pipelines: by pipeline/pipeline_spec); this
// file makes sure nothing else is there, so a typo such as `provider:` is an error at its line
// instead of a silently ignored section. Reference: docs/config.md.
#include <filesystem>
#include <string>
#include <vector>

#include "json/yaml_document.hpp"

namespace llmops::store {

// The top-level keys llmops.yaml may hold, in the order docs/config.md describes them.
const std::vector<std::string>& project_config_keys();

// Throws Error(BadInput) at file:line:column for a top-level key that is not one of
// project_config_keys() (with a "did you mean" when one is close), and when the document is
// neither empty nor a mapping.
void check_project_config(const YamlDocument& document);

// Loads and checks llmops.yaml; a missing file is an empty document (a null value).
YamlDocument load_project_config(const std::filesystem::path& config_file);

} // namespace llmops::store
