#pragma once
// `llmops drift`: every compared column's test and verdict, and the dataset verdict (the share
// of drifted columns against --drift-share). docs/drift.md.
#include "drift/column_sample.hpp"
#include "drift/column_source.hpp"
#include "drift/column_tests.hpp"
#include "drift/domain_classifier.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::drift {

struct DriftOptions {
    std::vector<std::string> columns;         // empty: every field of either side
    std::map<std::string, std::string> tests; // column -> test name (--test)
    std::map<std::string, double> thresholds; // column -> threshold (--threshold)
    double drift_share = 0.5;                 // dataset drift when drifted share >= this
};

struct ColumnResult {
    std::string column;
    std::optional<ColumnKind> kind;
    std::string skipped; // the reason, empty when tested
    std::size_t reference_values = 0, current_values = 0, unique_values = 0;
    std::optional<TestOutcome> outcome; // numeric and categorical columns
    // Text columns: one test per descriptor ("length_chars", "length_words",
    // "non_letter_share", "oov_share").
    std::vector<std::pair<std::string, TestOutcome>> descriptors;
    // Text columns: content drift by the domain classifier, which gives the column's verdict
    // (the descriptors' verdicts only when it cannot run).
    std::optional<DomainClassifierResult> content;
    std::vector<std::string> notes; // what a reader should know (constant reference ...)
    bool drifted = false;
    // For the HTML report: shares per bin or category on each side.
    std::vector<std::string> bin_labels;
    std::vector<double> reference_shares, current_shares;
    nlohmann::json to_json() const;
};

struct DriftReport {
    std::string reference, current; // source labels
    std::int64_t reference_rows = 0, current_rows = 0;
    std::vector<ColumnResult> columns;
    std::size_t tested = 0, drifted = 0;
    double drift_share = 0.5;
    double drifted_share = 0; // drifted / tested
    bool dataset_drifted = false;
    nlohmann::json to_json() const;
};

// Checks the options against the known test names (Usage error otherwise).
void validate_options(const DriftOptions& options);

// Reads both sides once each and runs the tests. Throws BadInput when a side has no rows, a
// requested column is in neither side, or no column could be tested (the reasons listed).
DriftReport run_drift(ColumnSource& reference, ColumnSource& current, const DriftOptions& options);

} // namespace llmops::drift
