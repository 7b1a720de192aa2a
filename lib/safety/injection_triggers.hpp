#pragma once
// The trigger pass of the injection rules: one linear scan of the text finds, for every rule,
// the windows its regex must search, so that plain prose that merely contains common words costs
// the scan and nothing more. Phrase and fake-role rules are anchored on their rare words (a
// lookup of each lower-cased word in a hash table); a window reaches as many runs (words and
// separators, injection_reach) to either side as a match of the rule can hold, and the rule runs
// there only when the window also holds a word of each of its other required parts. Probe
// rules are anchored on byte patterns: runs of base64 or hex characters of 24 bytes or more,
// "](" of a markdown link, "<img". Every match of a rule lies inside one of its windows; the
// windows of a rule are sorted and merged, so searching them in order finds exactly the
// matches a search of the whole text finds (docs/safety-injection.md#speed).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "safety/injection_scan_masks.hpp"

namespace llmops::safety {

namespace triggers_internal {
struct Index;
} // namespace triggers_internal

enum class TriggerWhere {
    anywhere,
    line_start, // the word is the first thing on its line but spaces and tabs
    after_byte, // the byte before the word is one of `after`
};

// Where a companion group's word stands in every match, relative to the anchor word: a window
// is opened only around an anchor with companions on that side.
enum class TriggerSide { either, before, after };

// Words (space-separated, lower case) of which every match of the rule holds one as a whole
// token.
struct TriggerGroup {
    TriggerWhere where = TriggerWhere::anywhere;
    std::string_view after;
    std::string_view words;
    TriggerSide side = TriggerSide::either; // companions of a word anchor only
};

enum class TriggerAnchor {
    word,            // groups[0] anchors; a window reaches the rule's runs to either side
    line_marker,     // '#', '*', '_' or '>' first on a line (markdown headers and quotes)
    end_marker,      // a word starting "end", "close" or "stop" after a delimiter
    html_image,      // groups[0] ("img" after '<'); the window runs to the next '>'
    markdown_target, // "](": 303 bytes before it, the URL after it
    base64_run,      // a run of 24+ [A-Za-z0-9+/]
    base64url_run,   // a run of 24+ [A-Za-z0-9_-]
    hex_run,         // a run of 24+ hex digits, spaces, colons, backslashes and x
};

struct RuleTriggerSpec {
    std::string_view rule_id;
    TriggerAnchor anchor = TriggerAnchor::word;
    std::vector<TriggerGroup> groups;
};

// The triggers of every built-in rule (injection_trigger_table.cpp).
const std::vector<RuleTriggerSpec>& rule_trigger_specs();

// A byte range [begin, end) of the text where one rule's regex must search.
struct RuleWindow {
    int rule = 0;
    std::size_t begin = 0;
    std::size_t end = 0;
};

// A word of the scanned text that is a trigger word or may be an end marker (internal to
// InjectionTriggers; the where-conditions of its groups are checked per piece). No default
// values: the scan writes every field, into a buffer that is not cleared first.
struct TriggerWord {
    std::size_t begin;
    std::size_t end;
    std::uint32_t rank; // runs of other bytes before it (see ByteMasks)
    std::int32_t slot;  // the word table's entry, -1 for none
    bool end_marker;    // starts with "end", "close" or "stop"
};

// One scan of a text, from which the windows of any piece of it are read: sentence and chunk
// modes scan a document once instead of once per piece. Reuse one object between texts: its
// buffers are kept.
struct TriggerScan {
    std::string_view text;
    ByteMasks masks;
    std::vector<TriggerWord, UninitializedAllocator<TriggerWord>> words;
    // Indices of the words that anchor a rule, or may be end markers.
    std::vector<std::size_t, UninitializedAllocator<std::size_t>> anchors;
    std::vector<std::pair<std::size_t, std::size_t>> runs[3]; // base64, base64url, hex: 24+
    // Where the next piece's words and runs start when pieces are read in order (a hint: any
    // order works).
    mutable std::size_t next_word = 0;
    mutable std::size_t next_anchor = 0;
    mutable std::size_t next_run[3] = {};
};

class InjectionTriggers {
  public:
    // `rule_ids` and `patterns` in rule order; throws std::logic_error when a rule has no
    // trigger spec, or a word rule's reach is unbounded.
    InjectionTriggers(const std::vector<std::string_view>& rule_ids,
                      const std::vector<std::string>& patterns);
    ~InjectionTriggers();
    InjectionTriggers(const InjectionTriggers&) = delete;
    InjectionTriggers& operator=(const InjectionTriggers&) = delete;

    // The windows of every rule in `text`, by rule then position, each rule's merged.
    std::vector<RuleWindow> windows(std::string_view text) const;
    // Scans `text` (which must outlive `out`'s use) into `out`.
    void scan(std::string_view text, TriggerScan& out) const;
    // The windows of the piece [begin, end) of the scanned text, relative to the piece: the same
    // as windows(piece) gives, the piece read as a text of its own (its start is a line start,
    // no byte before it or after it counts).
    void windows(const TriggerScan& scan, std::size_t begin, std::size_t end,
                 std::vector<RuleWindow>& out) const;
    // How many runs a match of rule `index` can hold (for the tests).
    int reach(std::size_t index) const;
    // Whether `word` (ASCII letters and digits, any case) is one of the rules' words.
    bool is_rule_word(std::string_view word) const;

  private:
    std::unique_ptr<triggers_internal::Index> index_; // injection_trigger_index.hpp
};

} // namespace llmops::safety
