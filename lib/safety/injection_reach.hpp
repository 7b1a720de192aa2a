#pragma once
// How far a match of an injection rule can reach from a word inside it, counted in runs rather
// than bytes: a run is a stretch of ASCII letters and digits, or a stretch of other bytes, where
// apostrophes and non-ASCII bytes may belong to either (they sit inside words and inside
// separators alike). A phrase rule's gaps (`{g3}`, separators) repeat without a byte limit,
// but each is one run, so the count is small and exact where a byte length would be unbounded.
// The trigger pass (injection_triggers) uses it to size the window a rule's regex runs in.
#include <cstddef>
#include <string_view>

namespace llmops::safety {

inline constexpr int kUnboundedRuns = 1 << 20;

// The most runs a match of `pattern` (RE2 syntax, as the injection rules use it) can hold;
// kUnboundedRuns when a repetition mixes both kinds without a bound. Throws std::logic_error
// for syntax the analysis does not know (named groups, lookarounds, back references).
int max_runs_in_match(std::string_view pattern);

// Byte classes of a run: 0 for bytes that belong to either kind (apostrophe, non-ASCII),
// 1 for ASCII letters and digits, 2 for every other byte.
inline int run_class(unsigned char c) {
    if (c >= 0x80 || c == '\'') return 0;
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return 1;
    return 2;
}

// Start of the window `runs` runs to the left of `at` in `text`, and its end `runs` runs to the
// right: each step passes one run and any bytes of either kind around it.
std::size_t walk_runs_left(std::string_view text, std::size_t at, int runs);
std::size_t walk_runs_right(std::string_view text, std::size_t at, int runs);

} // namespace llmops::safety
