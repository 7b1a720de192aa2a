#pragma once
// Unified diff of two prompt versions: their specs written as YAML (spec_yaml.hpp), so message
// templates compare line by line and parameters key by key.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmops::prompt {

struct PromptDiff {
    bool identical = true;
    std::string unified; // "--- a\n+++ b\n@@ -1,3 +1,4 @@\n ..." (empty when identical)
    long added_lines = 0;
    long removed_lines = 0;
};

// `context` lines of context around each change, like diff -U.
PromptDiff diff_specs(std::string_view label_a, const nlohmann::json& spec_a,
                      std::string_view label_b, const nlohmann::json& spec_b, int context = 3);

// The same for any two texts, split into lines.
PromptDiff diff_texts(std::string_view label_a, std::string_view text_a, std::string_view label_b,
                      std::string_view text_b, int context = 3);

} // namespace llmops::prompt
