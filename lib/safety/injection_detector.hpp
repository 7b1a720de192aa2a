#pragma once
// Prompt-injection and jailbreak detection: the one entry point for `llmops scan --injection`,
// the `injection` eval metric and the gateway's guardrails. Heuristic rules (injection_rules)
// run in one pass over the text; disguised characters are folded and the rules run again
// (injection_fold); base64 and hex payloads are decoded and scanned in turn up to a depth
// (injection_encoded); URLs in markdown and HTML images and links are checked for data
// payloads (injection_exfiltration). Reference: docs/safety-injection.md.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safety/finding.hpp"

namespace llmops::safety {

// How a long text is cut before the rules run: a rule never matches across a cut.
enum class InjectionMode {
    whole,    // the text as one piece
    sentence, // sentences (cut after . ! ? followed by a space, and at line breaks)
    chunk,    // pieces of at most chunk_bytes, cut at a space where possible
};

struct InjectionOptions {
    double threshold = 0.5; // findings scoring below it are dropped; in [0, 1]
    InjectionMode mode = InjectionMode::whole;
    std::size_t chunk_bytes = 4096;         // chunk mode; at least 64
    std::size_t max_bytes = 8 << 20;        // longer texts are refused (Error BadInput)
    int max_decode_depth = 2;               // base64 inside hex inside ...: how deep to decode
    std::vector<std::string> allow_phrases; // a finding overlapping one of them (ASCII case
                                            // ignored) is dropped
    // Rule ids ("injection.fake_role.json_role"), families ("fake_role") or id prefixes ending
    // in '*' ("injection.persona.*") whose findings are dropped.
    std::vector<std::string> allow_rules;
    // Exfiltration: images and links to these hosts (and their subdomains) are not flagged.
    std::vector<std::string> allow_hosts;
};

// Throws Error(BadInput) naming the option when one is out of range.
void check_injection_options(const InjectionOptions& options);

// The findings in `text`, sorted by position, each with kind injection, type = the rule
// family, rule_id, span (bytes and code points), score and a one-line reason. Empty text: no
// findings. Throws Error(BadInput) for invalid UTF-8 (naming the byte offset) and for a text
// over max_bytes. Thread-safe.
std::vector<Finding> detect_injection(std::string_view text, const InjectionOptions& options = {});

// The highest score among `findings`, 0 when there are none.
double highest_score(const std::vector<Finding>& findings);

// "whole", "sentence", "chunk"; parse_injection_mode returns nullopt for anything else.
std::string_view to_string(InjectionMode mode);
std::optional<InjectionMode> parse_injection_mode(std::string_view name);

// The rule families in documentation order, and every rule id the detectors can report.
const std::vector<std::string>& injection_families();
const std::vector<std::string>& injection_rule_ids();

} // namespace llmops::safety
