#pragma once
// Reading an LLM judge's answer. Judges are asked for one JSON object, but models wrap it in
// prose or ``` fences, or answer "Score: 4/5" in words; this takes what can be read and
// leaves range checks to the metric.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace llmops::eval {

// The first JSON object in `text` that parses (fences and surrounding prose are skipped);
// nullopt when there is none.
std::optional<nlohmann::json> first_json_object(std::string_view text);

struct JudgeVerdict {
    std::optional<double> score;
    std::optional<double> scale; // the "5" of "4/5" or "4 out of 5", when written
    std::optional<bool> pass;
    std::string reason;
};

// From the first JSON object: "score" (a number or a numeric string such as "4" or "4/5"),
// "pass" (a boolean, or "pass"/"fail"/"yes"/"no"/"true"/"false"), "reason" (or "reasoning",
// "explanation"); keys in any case. Without a score there, a `score: N`, `Score: N/5`,
// `**Score:** N` or `score is N` pattern anywhere in the text; the reason is then the text.
JudgeVerdict parse_judge_answer(std::string_view text);

} // namespace llmops::eval
