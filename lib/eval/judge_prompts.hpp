#pragma once
// The built-in LLM-judge prompts, as prompt spec YAML (schemas/prompt.schema.json). The eval
// runner stores them in the project's prompt registry on first use, so every judge verdict can
// be traced to the exact prompt version that produced it. Criteria after Prompt Flow's built-in
// 1-5 metrics; the wording is ours. Reference: docs/metrics.md, "LLM judges".
#include <string>
#include <string_view>
#include <vector>

namespace llmops::eval {

// The `judge` criteria, in documentation order: groundedness, relevance, coherence, fluency,
// similarity.
const std::vector<std::string>& judge_criteria();

// "llmops-judge-groundedness" ... for a criterion; "llmops-judge-rubric" for `rubric`.
std::string judge_prompt_name(std::string_view criterion);
inline constexpr std::string_view kRubricJudgePrompt = "llmops-judge-rubric";

// Every built-in judge prompt name, sorted.
const std::vector<std::string>& builtin_judge_prompt_names();

// The prompt spec YAML of a built-in judge prompt. Variables: `answer` (required), `question`,
// and per prompt `context` (groundedness: required; relevance: optional), `expected`
// (similarity: required), `rubric` (rubric: required). Throws Error(BadInput) for an unknown
// name.
std::string_view builtin_judge_prompt_yaml(std::string_view name);

} // namespace llmops::eval
