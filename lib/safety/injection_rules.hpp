#pragma once
// The prompt-injection rule table and its matcher. Phrase rules are written as word families
// (verb x qualifier x object, with bounded gaps of filler words) and compiled so that case,
// whitespace and punctuation between words do not matter. One trigger pass over the text
// (injection_triggers) gives each rule the windows where a match can lie, and the rule's regex
// searches only those: plain prose costs the one scan (docs/performance.md). Probe rules (base64
// and hex runs, markdown images and links, HTML images) only nominate candidates that
// injection_encoded and injection_exfiltration then examine. Reference: docs/safety-injection.md.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "safety/injection_probe_match.hpp"
#include "safety/injection_triggers.hpp"

namespace llmops::safety {

// Finding::type of each family.
inline constexpr std::string_view kFamilyOverride = "instruction_override";
inline constexpr std::string_view kFamilyExtraction = "system_prompt_extraction";
inline constexpr std::string_view kFamilyPersona = "jailbreak_persona";
inline constexpr std::string_view kFamilyFakeRole = "fake_role";
inline constexpr std::string_view kFamilyObfuscation = "obfuscation";
inline constexpr std::string_view kFamilyExfiltration = "exfiltration";

enum class RuleKind {
    phrase,         // a finding wherever it matches
    base64_probe,   // a base64 run: decoded and scanned again
    hex_probe,      // a hex run: decoded and scanned again
    markdown_image, // ![alt](url): the URL is checked for a data payload
    markdown_link,  // [text](url): likewise, scored lower (needs a click)
    html_image,     // <img src="url">
};

struct InjectionRule {
    std::string_view id; // "injection.override.ignore_previous"
    std::string_view family;
    double score = 0;
    RuleKind kind = RuleKind::phrase;
    std::string_view reason; // one line
};

// A located match of one rule: byte offsets within the scanned text.
struct RuleMatch {
    int rule = 0; // index into rules()
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string_view group; // the first capture group when the rule has one (probe URLs)
};

class InjectionRuleSet {
  public:
    // The built-in rules, compiled once (thread-safe; matching is const and reentrant).
    static const InjectionRuleSet& builtin();

    const std::vector<InjectionRule>& rules() const { return rules_; }
    // Every match of every rule in `text`, by rule then position; at most `max_per_rule` each.
    std::vector<RuleMatch> match(std::string_view text, std::size_t max_per_rule = 64) const;
    // The same for the piece [begin, end) of a text scanned once with scan(), the piece read as
    // a text of its own; offsets are relative to the piece.
    void scan(std::string_view text, TriggerScan& out) const { triggers_->scan(text, out); }
    std::vector<RuleMatch> match(const TriggerScan& scan, std::size_t begin, std::size_t end,
                                 std::size_t max_per_rule = 64) const;
    // The same, found the slow way: every rule's regex over the whole text (for the tests,
    // which hold match() to it).
    std::vector<RuleMatch> match_everywhere(std::string_view text,
                                            std::size_t max_per_rule = 64) const;
    // Where each rule's regex searches in `text` (for the tests).
    std::vector<RuleWindow> windows(std::string_view text) const {
        return triggers_->windows(text);
    }
    const InjectionTriggers& triggers() const { return *triggers_; }
    // The compiled regex of rule `index`: compiled on first use (a short text opens few rules'
    // windows, and compiling all of them was most of a short scan's startup). Thread-safe.
    const RE2& regex(std::size_t index) const;

  private:
    InjectionRuleSet();
    std::vector<InjectionRule> rules_;
    struct LazyRegex {
        std::string pattern;
        mutable std::once_flag compiled;
        mutable std::unique_ptr<RE2> regex;
    };
    std::vector<std::unique_ptr<LazyRegex>> regexes_;
    std::vector<ProbeMatcher> probe_matchers_; // by rule: matched by hand instead of by RE2
    std::unique_ptr<InjectionTriggers> triggers_;
};

// The regex source of a phrase written with word separators: ' ' becomes a run of anything but
// letters and digits, '\'' an optional apostrophe (straight or curly), "{gN}" up to N filler
// words. Exposed for the tests.
std::string expand_phrase_pattern(std::string_view phrase);

} // namespace llmops::safety
