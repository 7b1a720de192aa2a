#pragma once
// `llmops scan eval LABELLED.jsonl`: precision, recall and F1 of the PII engine per entity type,
// counted two ways as presidio-research does: span-exact (same type, same start and end) and
// overlap (same type, spans share a character). docs/safety.md#measuring-quality.
//
// Each line: {"text": "...", "entities": [{"type": "EMAIL_ADDRESS", "start": 8, "end": 25}]},
// start and end in code points (Python string offsets), end exclusive. A line with no entities
// is a benign text: everything found in it is a false positive.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "safety/pii_engine.hpp"

namespace llmops::safety {

struct MatchCounts {
    std::size_t true_positives = 0; // predictions that match a labelled entity
    std::size_t found_labels = 0;   // labelled entities some prediction matches
    double precision(std::size_t predicted) const;
    double recall(std::size_t labelled) const;
    double f1(std::size_t predicted, std::size_t labelled) const;
};

struct EntityScores {
    std::size_t labelled = 0;
    std::size_t predicted = 0;
    MatchCounts exact;
    MatchCounts overlap;
};

struct ScanEvaluation {
    std::size_t texts = 0;
    std::size_t benign_texts = 0;                // texts with no labelled entity
    std::size_t benign_texts_with_findings = 0;  // false alarms on them
    std::map<std::string, EntityScores> by_type; // every type labelled or predicted
    EntityScores total;                          // micro-average over all types
    double seconds = 0;                          // time spent scanning
    std::size_t bytes = 0;

    nlohmann::json to_json() const;
};

// Throws Error(BadInput) naming file:line for a line that is not such an object, or whose
// offsets fall outside its text.
ScanEvaluation evaluate_scan(const PiiEngine& engine, std::string_view jsonl,
                             const std::string& source_name);
ScanEvaluation evaluate_scan_file(const PiiEngine& engine, const std::filesystem::path& path);

} // namespace llmops::safety
