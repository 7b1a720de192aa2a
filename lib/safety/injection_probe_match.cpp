// The probe rules' regexes matched by hand (injection_probe_match.hpp).
#include "safety/injection_probe_match.hpp"

#include <cstdint>

#include "safety/injection_trigger_index.hpp"

namespace llmops::safety {

namespace {

using triggers_internal::kBase64;
using triggers_internal::kBase64Url;
using triggers_internal::kHex;

bool in_class(std::string_view text, std::size_t at, std::uint8_t cls) {
    return (triggers_internal::kFlags[static_cast<unsigned char>(text[at])] & cls) != 0;
}

// A run of 24+ bytes of `cls`, then up to two '='.
bool next_probe_run(std::string_view text, std::uint8_t cls, std::size_t from, std::size_t end,
                    std::size_t& match_begin, std::size_t& match_end) {
    std::size_t at = from;
    while (at < end) {
        while (at < end && !in_class(text, at, cls))
            ++at;
        std::size_t start = at;
        while (at < end && in_class(text, at, cls))
            ++at;
        if (at - start >= kMinProbeRun) {
            for (int pad = 0; pad < 2 && at < end && text[at] == '='; ++pad)
                ++at;
            match_begin = start;
            match_end = at;
            return true;
        }
    }
    return false;
}

bool hex_pair_at(std::string_view text, std::size_t at, std::size_t end) {
    return at + 2 <= end && in_class(text, at, kHex) && in_class(text, at + 1, kHex);
}

// The end of the hex pattern's match starting at `at` (its alternatives in order, each greedy),
// or 0 when none starts there (a match is never empty).
std::size_t hex_match_at(std::string_view text, std::size_t at, std::size_t end) {
    std::size_t digits = at;
    while (digits < end && in_class(text, digits, kHex))
        ++digits;
    if (digits - at >= kMinProbeRun) return digits;
    // (?:HH[ :]){11,}HH: k whole groups, then a pair; else one group fewer and its pair.
    std::size_t groups = 0;
    while (at + 3 * groups + 3 <= end && hex_pair_at(text, at + 3 * groups, end) &&
           (text[at + 3 * groups + 2] == ' ' || text[at + 3 * groups + 2] == ':'))
        ++groups;
    if (groups >= 11 && hex_pair_at(text, at + 3 * groups, end)) return at + 3 * groups + 2;
    if (groups >= 12) return at + 3 * groups - 1;
    // (?:\\x HH){8,}, 'x' in either case.
    std::size_t escapes = 0;
    while (at + 4 * escapes + 4 <= end && text[at + 4 * escapes] == '\\' &&
           (text[at + 4 * escapes + 1] | 0x20) == 'x' &&
           hex_pair_at(text, at + 4 * escapes + 2, end))
        ++escapes;
    if (escapes >= 8) return at + 4 * escapes;
    return 0;
}

} // namespace

ProbeMatcher probe_matcher_for(std::string_view pattern) {
    if (pattern == kProbeBase64Pattern) return ProbeMatcher::base64;
    if (pattern == kProbeBase64UrlPattern) return ProbeMatcher::base64url;
    if (pattern == kProbeHexPattern) return ProbeMatcher::hex;
    return ProbeMatcher::none;
}

bool next_probe_match(ProbeMatcher matcher, std::string_view text, std::size_t from,
                      std::size_t end, std::size_t& match_begin, std::size_t& match_end) {
    switch (matcher) {
    case ProbeMatcher::base64:
        return next_probe_run(text, kBase64, from, end, match_begin, match_end);
    case ProbeMatcher::base64url:
        return next_probe_run(text, kBase64Url, from, end, match_begin, match_end);
    case ProbeMatcher::hex:
        for (std::size_t at = from; at < end; ++at) {
            // Every alternative starts with a hex digit or a backslash.
            if (!in_class(text, at, kHex) && text[at] != '\\') continue;
            if (std::size_t stop = hex_match_at(text, at, end)) {
                match_begin = at;
                match_end = stop;
                return true;
            }
        }
        return false;
    case ProbeMatcher::none:
        break;
    }
    return false;
}

} // namespace llmops::safety
