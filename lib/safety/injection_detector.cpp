// The injection detector: cutting, the rule pass, the folded pass, decoded payloads, allow
// lists, threshold and offsets (injection_detector.hpp).
#include "safety/injection_detector.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "safety/injection_encoded.hpp"
#include "safety/injection_exfiltration.hpp"
#include "safety/injection_fold.hpp"
#include "safety/injection_rules.hpp"

namespace llmops::safety {

namespace {

constexpr std::string_view kBase64Payload = "injection.obfuscation.base64_payload";
constexpr std::string_view kHexPayload = "injection.obfuscation.hex_payload";
constexpr std::size_t kMinChunkBytes = 64;
// A phrase in quotes ('ignore previous instructions' attacks are ...) is more often talked
// about than meant: its score is scaled by this.
constexpr double kQuotedFactor = 0.5;
// Except the DAN phrase: jailbreaks spell out what it "stands for" in quotes themselves.
constexpr std::string_view kNamedJailbreak = "injection.persona.do_anything_now";

// True when [begin, end) sits directly between an opening and a closing quote mark.
bool is_quoted(std::string_view text, std::size_t begin, std::size_t end) {
    auto opens = [&](std::string_view mark) {
        return begin >= mark.size() && text.substr(begin - mark.size(), mark.size()) == mark;
    };
    auto closes = [&](std::string_view mark) { return text.substr(end, mark.size()) == mark; };
    for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"'", "'"},
                               {"\"", "\""},
                               {"`", "`"},
                               {"\u201C", "\u201D"},
                               {"\u2018", "\u2019"},
                               {"\u00AB", "\u00BB"}})
        if (opens(open) && closes(close)) return true;
    return false;
}

Finding make_finding(const InjectionRule& rule, std::size_t begin, std::size_t end,
                     std::string reason, double score) {
    Finding f;
    f.kind = FindingKind::injection;
    f.type = std::string(rule.family);
    f.rule_id = std::string(rule.id);
    f.span.byte_begin = begin;
    f.span.byte_end = end;
    f.score = score;
    f.reason = std::move(reason);
    return f;
}

class Scanner {
  public:
    explicit Scanner(const InjectionOptions& options)
        : options_(options), rules_(InjectionRuleSet::builtin()), max_reach_(max_reach(rules_)) {}

    // Findings of one piece of text (spans relative to it), every score kept.
    std::vector<Finding> scan(std::string_view text, int depth) const {
        return scan(text, rules_.match(text), depth);
    }
    // The same for the piece [begin, end) of a text scanned once.
    std::vector<Finding> scan(const TriggerScan& scanned, std::size_t begin,
                              std::size_t end) const {
        // Folding undoes non-ASCII characters only: a piece without one skips the check.
        const bool ascii = !scanned.masks.any(ByteMasks::high, begin, end);
        return scan(scanned.text.substr(begin, end - begin), rules_.match(scanned, begin, end), 0,
                    ascii);
    }

  private:
    // `matches`: the rules' matches in `text`; `ascii`: `text` is known to be ASCII.
    std::vector<Finding> scan(std::string_view text, const std::vector<RuleMatch>& matches,
                              int depth, bool ascii = false) const {
        std::vector<Finding> out;
        for (const RuleMatch& match : matches)
            examine(match, text, depth, out);
        if (ascii) return out;
        const auto windows = fold_windows(text, max_reach_, [this](std::string_view word) {
            return rules_.triggers().is_rule_word(word);
        });
        if (windows.empty()) return out;
        const bool right_to_left = has_right_to_left(text);
        std::vector<Finding> disguises;
        std::vector<Finding> found;
        for (auto [begin, end] : windows) {
            const std::string_view window = text.substr(begin, end - begin);
            FoldedText folded = fold_disguises(window, right_to_left);
            for (auto& finding : folded.disguises)
                disguises.push_back(shifted(std::move(finding), begin));
            if (!folded.changed) continue;
            std::vector<Finding> in_window;
            for (const RuleMatch& match : rules_.match(folded.text))
                examine(match, folded.text, depth, in_window);
            for (auto& finding : in_window) {
                map_to_source(finding, folded, window);
                found.push_back(shifted(std::move(finding), begin));
            }
        }
        const std::size_t plain = out.size();
        for (auto& finding : disguises)
            out.push_back(std::move(finding));
        for (auto& finding : found) {
            bool known = std::any_of(out.begin(), out.begin() + static_cast<long>(plain),
                                     [&](const Finding& f) {
                                         return f.rule_id == finding.rule_id &&
                                                f.span.byte_begin < finding.span.byte_end &&
                                                finding.span.byte_begin < f.span.byte_end;
                                     });
            if (known) continue;
            finding.reason += " (after undoing hidden or look-alike characters)";
            out.push_back(std::move(finding));
        }
        return out;
    }

    static Finding shifted(Finding finding, std::size_t by) {
        finding.span.byte_begin += by;
        finding.span.byte_end += by;
        return finding;
    }

    void examine(const RuleMatch& match, std::string_view text, int depth,
                 std::vector<Finding>& out) const {
        const InjectionRule& rule = rules_.rules()[static_cast<std::size_t>(match.rule)];
        switch (rule.kind) {
        case RuleKind::phrase:
            if (is_quoted(text, match.begin, match.end) && rule.id != kNamedJailbreak)
                out.push_back(make_finding(
                    rule, match.begin, match.end,
                    fmt::format("{} (in quotes: a mention, not a request)", rule.reason),
                    rule.score * kQuotedFactor));
            else
                out.push_back(make_finding(rule, match.begin, match.end, std::string(rule.reason),
                                           rule.score));
            return;
        case RuleKind::base64_probe:
        case RuleKind::hex_probe:
            examine_payload(rule, match, text, depth, out);
            return;
        case RuleKind::markdown_image:
        case RuleKind::markdown_link:
        case RuleKind::html_image: {
            if (host_is_allowed(url_host(match.group), options_.allow_hosts)) return;
            auto why = url_payload_reason(match.group);
            if (!why) return;
            out.push_back(make_finding(rule, match.begin, match.end,
                                       fmt::format("{}: {}", rule.reason, *why), rule.score));
            return;
        }
        }
    }

    // A base64 or hex run: decoded, and when it reads as text, scanned again one level down.
    void examine_payload(const InjectionRule& rule, const RuleMatch& match, std::string_view text,
                         int depth, std::vector<Finding>& out) const {
        if (depth >= options_.max_decode_depth) return;
        std::string_view run = text.substr(match.begin, match.end - match.begin);
        bool hex = rule.kind == RuleKind::hex_probe;
        auto decoded = hex ? decode_hex_text(run) : decode_base64_text(run);
        if (!decoded) return;
        std::vector<Finding> inner = scan(*decoded, depth + 1);
        const Finding* best = nullptr;
        for (const auto& f : inner)
            if (f.score >= options_.threshold && (!best || f.score > best->score)) best = &f;
        if (!best) return;
        Finding f;
        f.kind = FindingKind::injection;
        f.type = std::string(kFamilyObfuscation);
        f.rule_id = std::string(hex ? kHexPayload : kBase64Payload);
        f.span.byte_begin = match.begin;
        f.span.byte_end = match.end;
        // Hiding an instruction is itself a sign of intent.
        f.score = std::min(1.0, best->score + 0.05);
        f.reason = fmt::format("{} payload decodes to text where {} fires: {}",
                               hex ? "a hex" : "a base64", best->rule_id, best->reason);
        out.push_back(std::move(f));
    }

    // Spans found in folded text back to the source's bytes.
    static void map_to_source(Finding& finding, const FoldedText& folded, std::string_view source) {
        std::size_t begin = finding.span.byte_begin;
        std::size_t end = finding.span.byte_end;
        finding.span.byte_begin = folded.origin[begin];
        if (end == 0) {
            finding.span.byte_end = finding.span.byte_begin;
            return;
        }
        std::size_t last = folded.origin[end - 1];
        char32_t cp = 0;
        std::size_t length = last < source.size() ? decode_utf8_at(source, last, cp) : 0;
        finding.span.byte_end = last + std::max<std::size_t>(length, 1);
    }

    // The most runs any rule's match holds: how far the folded pass reads around a disguise.
    // The rules are the built-in ones, so it is found once.
    static int max_reach(const InjectionRuleSet& rules) {
        static const int most = [&rules] {
            int out = 0;
            for (std::size_t i = 0; i < rules.rules().size(); ++i)
                out = std::max(out, rules.triggers().reach(i));
            return out;
        }();
        return most;
    }

    const InjectionOptions& options_;
    const InjectionRuleSet& rules_;
    const int max_reach_;
};

// [begin, end) pieces of `text` for the mode; `masks` are the text's (for sentence ends).
std::vector<std::pair<std::size_t, std::size_t>>
cut(std::string_view text, const InjectionOptions& options, const ByteMasks& masks) {
    std::vector<std::pair<std::size_t, std::size_t>> pieces;
    if (options.mode == InjectionMode::whole) {
        pieces.emplace_back(0, text.size());
    } else if (options.mode == InjectionMode::sentence) {
        std::size_t start = 0;
        for (std::size_t i = masks.next(ByteMasks::stop, 0, true); i < text.size();
             i = masks.next(ByteMasks::stop, i + 1, true)) {
            char c = text[i];
            bool end_of_sentence =
                c == '\n' || ((c == '.' || c == '!' || c == '?') && i + 1 < text.size() &&
                              (text[i + 1] == ' ' || text[i + 1] == '\n' || text[i + 1] == '\t'));
            if (!end_of_sentence) continue;
            pieces.emplace_back(start, i + 1);
            start = i + 1;
        }
        if (start < text.size()) pieces.emplace_back(start, text.size());
    } else {
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t limit = std::min(text.size(), start + options.chunk_bytes);
            std::size_t end = limit;
            if (limit < text.size()) {
                std::size_t space = text.find_last_of(" \n\t", limit - 1);
                if (space != std::string_view::npos && space > start + options.chunk_bytes / 2)
                    end = space + 1;
                else
                    end = start + utf8_prefix(text.substr(start), limit - start).size();
                if (end == start) end = limit; // cannot happen with valid UTF-8 and 64+ bytes
            }
            pieces.emplace_back(start, end);
            start = end;
        }
    }
    return pieces;
}

bool rule_is_allowed(const Finding& finding, const std::vector<std::string>& allowed) {
    for (const auto& entry : allowed) {
        if (entry == finding.rule_id || entry == finding.type) return true;
        if (!entry.empty() && entry.back() == '*' &&
            std::string_view(finding.rule_id)
                .starts_with(std::string_view(entry).substr(0, entry.size() - 1)))
            return true;
    }
    return false;
}

std::vector<std::pair<std::size_t, std::size_t>>
allowed_ranges(std::string_view text, const std::vector<std::string>& phrases) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    if (phrases.empty()) return ranges;
    std::string lowered = ascii_lower(text);
    for (const auto& phrase : phrases) {
        std::string needle = ascii_lower(phrase);
        if (needle.empty()) continue;
        for (std::size_t at = lowered.find(needle); at != std::string::npos;
             at = lowered.find(needle, at + 1))
            ranges.emplace_back(at, at + needle.size());
    }
    return ranges;
}

// Same rule over overlapping spans (a piece found by both base64 probes, a sentence seen
// twice): keep the first, highest-scoring one.
void drop_duplicates(std::vector<Finding>& findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        if (a.span.byte_begin != b.span.byte_begin) return a.span.byte_begin < b.span.byte_begin;
        return a.score > b.score;
    });
    std::vector<Finding> kept;
    for (auto& f : findings) {
        bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const Finding& k) {
            return k.rule_id == f.rule_id && k.span.byte_begin < f.span.byte_end &&
                   f.span.byte_begin < k.span.byte_end;
        });
        if (!duplicate) kept.push_back(std::move(f));
    }
    findings = std::move(kept);
}

void fill_code_points(std::string_view text, std::vector<Finding>& findings) {
    std::vector<std::size_t> offsets;
    for (const auto& f : findings) {
        offsets.push_back(f.span.byte_begin);
        offsets.push_back(f.span.byte_end);
    }
    std::sort(offsets.begin(), offsets.end());
    offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
    std::vector<std::size_t> counts(offsets.size());
    std::size_t code_points = 0;
    std::size_t at = 0;
    for (std::size_t k = 0; k < offsets.size(); ++k) {
        for (; at < offsets[k]; ++at)
            if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80) ++code_points;
        counts[k] = code_points;
    }
    auto count_at = [&](std::size_t offset) {
        auto it = std::lower_bound(offsets.begin(), offsets.end(), offset);
        return counts[static_cast<std::size_t>(it - offsets.begin())];
    };
    for (auto& f : findings) {
        f.span.code_point_begin = count_at(f.span.byte_begin);
        f.span.code_point_end = count_at(f.span.byte_end);
    }
}

} // namespace

void check_injection_options(const InjectionOptions& options) {
    if (!(options.threshold >= 0 && options.threshold <= 1))
        throw Error(
            ErrorKind::BadInput,
            fmt::format("injection threshold must be between 0 and 1, got {}", options.threshold));
    if (options.mode == InjectionMode::chunk && options.chunk_bytes < kMinChunkBytes)
        throw Error(ErrorKind::BadInput,
                    fmt::format("injection chunk size must be at least {} bytes, got {}",
                                kMinChunkBytes, options.chunk_bytes));
    if (options.max_decode_depth < 0 || options.max_decode_depth > 8)
        throw Error(ErrorKind::BadInput,
                    fmt::format("injection decode depth must be between 0 and 8, got {}",
                                options.max_decode_depth));
}

std::vector<Finding> detect_injection(std::string_view text, const InjectionOptions& options) {
    check_injection_options(options);
    if (text.size() > options.max_bytes)
        throw Error(ErrorKind::BadInput,
                    fmt::format("text of {} bytes is over the injection scan limit of {} bytes",
                                text.size(), options.max_bytes));
    // The vectorised check first; the offset of a bad byte only for a text that has one.
    if (!is_valid_utf8(text))
        if (auto bad = find_invalid_utf8(text))
            throw Error(ErrorKind::BadInput,
                        fmt::format("text is not valid UTF-8 (at byte {})", *bad));
    if (text.empty()) return {};

    Scanner scanner(options);
    std::vector<Finding> findings;
    // One trigger scan of the text serves every piece (reused between calls on a thread).
    thread_local TriggerScan scanned;
    InjectionRuleSet::builtin().scan(text, scanned);
    for (auto [begin, end] : cut(text, options, scanned.masks)) {
        for (auto& f : scanner.scan(scanned, begin, end)) {
            f.span.byte_begin += begin;
            f.span.byte_end += begin;
            findings.push_back(std::move(f));
        }
    }
    auto allowed = allowed_ranges(text, options.allow_phrases);
    std::erase_if(findings, [&](const Finding& f) {
        if (f.score < options.threshold) return true;
        if (rule_is_allowed(f, options.allow_rules)) return true;
        return std::any_of(allowed.begin(), allowed.end(), [&](const auto& range) {
            return range.first < f.span.byte_end && f.span.byte_begin < range.second;
        });
    });
    drop_duplicates(findings);
    fill_code_points(text, findings);
    return findings;
}

double highest_score(const std::vector<Finding>& findings) {
    double best = 0;
    for (const auto& f : findings)
        best = std::max(best, f.score);
    return best;
}

std::string_view to_string(InjectionMode mode) {
    switch (mode) {
    case InjectionMode::whole:
        return "whole";
    case InjectionMode::sentence:
        return "sentence";
    case InjectionMode::chunk:
        return "chunk";
    }
    return "whole";
}

std::optional<InjectionMode> parse_injection_mode(std::string_view name) {
    for (auto mode : {InjectionMode::whole, InjectionMode::sentence, InjectionMode::chunk})
        if (to_string(mode) == name) return mode;
    return std::nullopt;
}

const std::vector<std::string>& injection_families() {
    static const std::vector<std::string> families = {
        std::string(kFamilyOverride),    std::string(kFamilyExtraction),
        std::string(kFamilyPersona),     std::string(kFamilyFakeRole),
        std::string(kFamilyObfuscation), std::string(kFamilyExfiltration)};
    return families;
}

const std::vector<std::string>& injection_rule_ids() {
    static const std::vector<std::string> ids = [] {
        std::vector<std::string> out;
        for (const auto& rule : InjectionRuleSet::builtin().rules())
            if (rule.kind != RuleKind::base64_probe && rule.kind != RuleKind::hex_probe)
                out.emplace_back(rule.id);
        for (std::string_view id :
             {kBase64Payload, kHexPayload, std::string_view("injection.obfuscation.unicode_tags"),
              std::string_view("injection.obfuscation.zero_width"),
              std::string_view("injection.obfuscation.bidi_control"),
              std::string_view("injection.obfuscation.variation_selectors"),
              std::string_view("injection.obfuscation.homoglyph")})
            out.emplace_back(id);
        std::sort(out.begin(), out.end());
        return out;
    }();
    return ids;
}

} // namespace llmops::safety
