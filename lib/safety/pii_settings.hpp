#pragma once
// What the PII engine is told: the built-in recognizers to use, user-defined recognizers, allow
// lists, per-entity thresholds, the phone regions and the limits on user input. Read from the
// `safety.pii` section of llmops.yaml (docs/safety.md#configuration); the defaults need no file.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "json/yaml_document.hpp"

namespace llmops::safety {

// One recognizer: a pattern (RE2) or a deny list of words, the entity it reports, how a match is
// validated, its score and the context words that raise it.
struct RecognizerSpec {
    std::string id;     // "pii.email", or the user's id under "custom."
    std::string entity; // EMAIL_ADDRESS, or the user's entity name
    std::string pattern;
    std::vector<std::string> deny_list; // whole words, matched case-insensitively
    // none, luhn, credit_card, iban, us_ssn, ipv4, ipv6, email, domain, url, bitcoin, date,
    // phone, or a built-in recognizer's own check.
    std::string validation = "none";
    double score = 0.5;
    std::vector<std::string> context; // lower-case words or phrases
    ErrorLocation where{};            // where the user wrote it (for errors)
};

struct PiiLimits {
    std::size_t max_text_bytes = 16u << 20; // one text scanned at once
    std::size_t max_recognizers = 64;       // user-defined ones
    std::size_t max_pattern_bytes = 4096;   // one user pattern or deny-list word list
    std::size_t max_allow_entries = 10000;
};

struct PiiSettings {
    // Region whose national phone formats are tried first (ISO 3166 alpha-2).
    std::string default_region = "US";
    // Regions whose national formats are checked for numbers without a country code; empty =
    // the built-in list (docs/safety.md#phone-numbers).
    std::vector<std::string> phone_regions;
    // The built-in entity types to detect; empty = all.
    std::vector<std::string> entities;
    std::map<std::string, double> thresholds; // per entity; "default" for the rest
    std::size_t context_words_before = 6;
    std::size_t context_words_after = 3;
    double context_boost = 0.35;
    std::vector<RecognizerSpec> custom;
    std::vector<std::string> allow_list;     // exact texts never reported (case-insensitive)
    std::vector<std::string> allow_patterns; // RE2 patterns; a finding they fully match is dropped
    std::vector<ErrorLocation> allow_pattern_where;
    std::string hash_key_env = "LLMOPS_PII_HASH_KEY";
    PiiLimits limits;

    double threshold_for(const std::string& entity) const;
};

// The default threshold of each built-in entity type.
double default_threshold(const std::string& entity);

// The built-in entity types, in the order docs/safety.md lists them.
const std::vector<std::string>& builtin_entity_types();

// Reads `safety.pii` of llmops.yaml (a null document or a missing section gives the defaults).
// Throws Error(BadInput) at file:line:column for a value of the wrong shape, an unknown entity,
// validation or region, a pattern RE2 rejects, and input over the limits.
PiiSettings read_pii_settings(const YamlDocument& config);
// The same from a project's llmops.yaml; an empty path (no project) gives the defaults.
PiiSettings load_pii_settings(const std::filesystem::path& config_file);

} // namespace llmops::safety
