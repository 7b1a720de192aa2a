#pragma once
// How a bleu score keeps its case's n-gram statistics (in the score's detail), so that a run's
// summary can sum them into corpus BLEU.
#include <optional>

#include <nlohmann/json.hpp>

#include "eval/metrics/overlap.hpp"

namespace llmops::eval {

nlohmann::json bleu_stats_to_json(const BleuStats& stats);
// nullopt when the detail holds no BLEU statistics.
std::optional<BleuStats> bleu_stats_from_json(const nlohmann::json& detail);

} // namespace llmops::eval
