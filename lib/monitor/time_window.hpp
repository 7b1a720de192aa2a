#pragma once
// The times and durations monitor commands and alert rules take: "24h", "90m", "7d" (a
// duration; as a time, that long before now) or an ISO 8601 time (docs/monitoring.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmops::monitor {

// A duration in ms ("30s", "5m", "24h", "7d", "500ms", plain seconds); nullopt when malformed
// or not positive.
std::optional<std::int64_t> parse_duration_ms(std::string_view text);

// A time: ISO 8601, or a duration meaning that long before `now_ms`. Error(Usage) naming
// `option` for anything else.
std::int64_t parse_time_or_ago(std::string_view text, std::int64_t now_ms,
                               const std::string& option);

// "5m", "1h", "1d", "90s", "250ms": the shortest exact spelling of a duration.
std::string format_duration_ms(std::int64_t ms);

} // namespace llmops::monitor
