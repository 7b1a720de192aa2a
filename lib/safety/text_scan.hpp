#pragma once
// One text scanned: the findings of the PII engine (and of the injection detectors, which the
// caller appends with add_findings), optionally the redacted text, and the JSON shape of
// `llmops scan --json` (docs/safety.md#json-output).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "safety/finding.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_operators.hpp"

namespace llmops::safety {

struct TextScan {
    std::string text;
    std::vector<Finding> findings; // by position
    std::optional<std::string> redacted;

    // Adds another detector's findings (prompt-injection rules) and keeps them by position.
    void add_findings(std::vector<Finding> more);
    // Sets `redacted`: the text with its PII findings replaced by `op`.
    void redact(const RedactionOperator& op);
    // Findings per type.
    std::map<std::string, std::size_t> counts() const;
    nlohmann::json to_json() const;
};

// Scans `text` for PII (Error(BadInput) for invalid UTF-8 or an over-long text).
TextScan scan_pii(const PiiEngine& engine, std::string text);

// A finding as JSON, with the text it covers.
nlohmann::json finding_to_json(const Finding& finding, std::string_view text);

} // namespace llmops::safety
