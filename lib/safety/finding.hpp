#pragma once
// What a safety detector reports: one personal-data entity or one prompt-injection rule hit,
// with where it is in the text. Shared by the PII recognizers and the injection detectors so
// `llmops scan`, the eval metrics and the gateway's guardrails handle both alike.

#include <cstddef>
#include <string>

namespace llmops::safety {

enum class FindingKind { pii, injection };

// Half-open ranges [begin, end) over the scanned text, in bytes of its UTF-8 and in code points.
struct TextSpan {
    std::size_t byte_begin = 0;
    std::size_t byte_end = 0;
    std::size_t code_point_begin = 0;
    std::size_t code_point_end = 0;
};

struct Finding {
    FindingKind kind = FindingKind::pii;
    // PII: the entity type in Presidio's names (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, ...).
    // Injection: the rule family (instruction_override, system_prompt_extraction, ...).
    std::string type;
    std::string rule_id; // the recognizer or rule that fired, e.g. "pii.credit_card"
    TextSpan span;
    double score = 0;       // in [0, 1], after context boosts; compared with per-type thresholds
    std::string validation; // the check that passed ("luhn", "iban_mod97", ...); empty when none
    std::string reason;     // one line saying why; injection rules always set it
};

} // namespace llmops::safety
