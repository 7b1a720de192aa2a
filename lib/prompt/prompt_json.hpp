#pragma once
// The --json shapes of the prompt commands (add, list, show, log, diff, label; docs/prompts.md).
#include "prompt/prompt_diff.hpp"
#include "prompt/prompt_registry.hpp"

#include <nlohmann/json.hpp>

namespace llmops::prompt {

// {"name", "version", "ref", "hash", "labels", "description", "message", "source",
//  "created_at", "parent"}.
nlohmann::json to_json(const PromptVersionInfo& version);
// `prompt add`: the version plus "created" and "warnings": [{"message", "where"}].
nlohmann::json to_json(const AddResult& result);
// `prompt list`: one object per prompt.
nlohmann::json to_json(const std::vector<PromptSummary>& prompts);
// `prompt show`: the version plus "spec".
nlohmann::json version_with_spec_json(const PromptVersionInfo& version, const nlohmann::json& spec);
// `prompt log`: {"name", "versions", "label_events": [{"label", "from", "to", "created_at"}]}.
nlohmann::json log_json(const std::string& name, const std::vector<PromptVersionInfo>& versions,
                        const std::vector<LabelEvent>& events);
// `prompt diff`: {"a", "b", "identical", "added_lines", "removed_lines", "diff"}.
nlohmann::json to_json(const PromptDiff& diff, const PromptVersionInfo& a,
                       const PromptVersionInfo& b);
// `prompt label`: {"name", "label", "from", "to", "changed"}.
nlohmann::json to_json(const LabelChange& change, const std::string& name);
// `prompt render --template-file --json`: {"template", "text"}.
nlohmann::json template_render_json(const std::string& template_file, const std::string& text);

} // namespace llmops::prompt
