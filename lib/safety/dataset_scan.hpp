#pragma once
// PII in stored datasets: `llmops data scan REF --fields ...` (findings counted per field and
// entity type, with a few examples), and the row step of `data transform --redact` (string
// values rewritten by an operator; the transform writes the new version). docs/safety.md.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset_version.hpp"
#include "data/ops/dataset_transform.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_operators.hpp"
#include "store/project.hpp"

namespace llmops::safety {

struct DatasetScanRequest {
    std::string ref;
    std::vector<std::string> fields; // top-level fields; empty = every field
    std::size_t examples = 3;        // per field and type
};

struct FieldTypeCount {
    std::size_t findings = 0;
    std::size_t rows = 0; // rows with at least one
    struct Example {
        std::int64_t row = 0;
        std::string text;
        double score = 0;
    };
    std::vector<Example> examples;
};

struct DatasetScan {
    data::DatasetVersion version;
    std::int64_t rows = 0;
    std::int64_t rows_with_findings = 0;
    std::size_t findings = 0;
    std::map<std::pair<std::string, std::string>, FieldTypeCount> counts; // (field, type)

    nlohmann::json to_json() const;
};

// Scans the string values of the fields (at any depth below them). Throws Error(BadInput) when
// a named field occurs in no row.
DatasetScan scan_dataset(store::Project& project, const PiiEngine& engine,
                         const DatasetScanRequest& request);

// The --redact step for data transform: every string value of `fields` (all fields when empty)
// with its PII replaced by `op`. Keeps counts for the provenance.
data::RowRewrite redaction_rewrite(const PiiEngine& engine, RedactionOperator op,
                                   std::vector<std::string> fields);

} // namespace llmops::safety
