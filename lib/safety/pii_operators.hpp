#pragma once
// What to put in place of a finding: redact (`<EMAIL_ADDRESS>`), mask (all but the last N
// characters as '*'), hash (a keyed HMAC-SHA-256 pseudonym, the same for the same value and key,
// so analytics can still count and join), or replace (one fixed text). docs/safety.md#operators.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "safety/finding.hpp"

namespace llmops::safety {

enum class OperatorKind { redact, mask, hash, replace };

struct RedactionOperator {
    OperatorKind kind = OperatorKind::redact;
    std::size_t keep_last = 4; // mask
    std::string replacement;   // replace
    std::string hash_key;      // hash: the HMAC key (from an environment variable)
    std::string hash_key_env;  // hash: its name, for messages
};

// Parses "redact", "mask", "mask:N", "hash", "replace:TEXT". For hash, the key is read from the
// environment variable `hash_key_env`. Throws Error(Usage) for an unknown operator or a bad N,
// and when the hash key variable is unset or empty.
RedactionOperator parse_operator(std::string_view text, const std::string& hash_key_env);

// What `value` (a finding of `entity`) becomes.
std::string apply_operator(const RedactionOperator& op, std::string_view entity,
                           std::string_view value);

// `text` with every PII finding replaced (findings of other kinds are left alone). Findings must
// not overlap (PiiEngine::scan's never do).
std::string redact_text(std::string_view text, const std::vector<Finding>& findings,
                        const RedactionOperator& op);

} // namespace llmops::safety
