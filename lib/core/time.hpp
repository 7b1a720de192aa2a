#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmops {

// Now as ISO 8601 UTC with milliseconds: 2026-11-27T22:31:02.123Z (sorts as text).
std::string now_iso8601();
std::int64_t now_unix_ms();
inline std::int64_t now_unix_s() {
    return now_unix_ms() / 1000;
}

// A Unix time in milliseconds as ISO 8601 UTC, in now_iso8601()'s shape.
std::string iso8601_from_ms(std::int64_t unix_ms);
// "2026-11-27", "2026-11-27T22:31", "2026-11-27T22:31:02", "2026-11-27T22:31:02.123Z", with an
// optional "Z" or "+hh:mm"/"-hh:mm" offset (none: UTC) and a space allowed for the "T", as a
// Unix time in milliseconds; nullopt when the text is not such a time.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

} // namespace llmops
