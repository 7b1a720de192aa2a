#pragma once
// Text content drift by a domain classifier (docs/drift.md, "Text columns"): TF-IDF features,
// a logistic regression trained by SGD to tell current rows from reference rows, ROC AUC on a
// held-out half. Deterministic (fixed seeds). The explanation: the terms with the largest
// weights each way and the most typical rows of each side.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmops::drift {

struct DomainClassifierResult {
    double roc_auc = 0.5;
    double threshold = 0.55;    // AUC must exceed it
    std::string threshold_rule; // "fixed 0.55" or "95th percentile of random AUCs"
    bool drifted = false;
    std::size_t train_rows = 0, test_rows = 0, features = 0;
    std::vector<std::pair<std::string, double>> current_terms;   // weight > 0, largest first
    std::vector<std::pair<std::string, double>> reference_terms; // weight < 0, most negative first
    std::vector<std::string> current_examples, reference_examples;
    nlohmann::json to_json() const;
};

// `reference_rows`: the reference side's row count (Evidently's rule: > 1000 rows, fixed
// threshold 0.55; otherwise the 95th percentile of 1000 random labelings' AUCs). Throws
// BadInput when either side has fewer than 2 texts.
DomainClassifierResult classify_domains(const std::vector<std::string>& reference,
                                        const std::vector<std::string>& current,
                                        std::size_t reference_rows);

// ROC AUC of scores against 0/1 labels (ties count one half). Throws unless both labels occur.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

} // namespace llmops::drift
