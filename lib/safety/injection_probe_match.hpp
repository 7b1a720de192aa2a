#pragma once
// The probe rules' regexes matched by hand: a base64 or hex run is found in a window that holds
// little else, where an RE2 call costs more than reading the bytes. Each function finds exactly
// what RE2's leftmost-first search of its pattern finds in text[from, end) (matches end by
// `end`), case ignored as the rules ignore it; tests/unit/safety/test_injection_probe_match.cpp
// holds them to RE2 on random texts.
#include <cstddef>
#include <string_view>

namespace llmops::safety {

// The probe rules' patterns, as injection_rules.cpp declares them; a probe run is at least
// kMinProbeRun bytes (their {24,}).
inline constexpr std::size_t kMinProbeRun = 24;
inline constexpr std::string_view kProbeBase64Pattern = "[A-Za-z0-9+/]{24,}={0,2}";
inline constexpr std::string_view kProbeBase64UrlPattern = "[A-Za-z0-9_-]{24,}={0,2}";
inline constexpr std::string_view kProbeHexPattern =
    "[0-9A-Fa-f]{24,}|(?:[0-9A-Fa-f]{2}[ :]){11,}[0-9A-Fa-f]{2}|(?:\\\\x[0-9A-Fa-f]{2}){8,}";

// Which hand matcher stands for a rule's pattern, if any.
enum class ProbeMatcher { none, base64, base64url, hex };

// The matcher for `pattern` when it is exactly one of the patterns above.
ProbeMatcher probe_matcher_for(std::string_view pattern);

// The leftmost match starting at or after `from` and ending by `end`: true and its bounds, or
// false when there is none.
bool next_probe_match(ProbeMatcher matcher, std::string_view text, std::size_t from,
                      std::size_t end, std::size_t& match_begin, std::size_t& match_end);

} // namespace llmops::safety
