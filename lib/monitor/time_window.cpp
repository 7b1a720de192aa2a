#include "monitor/time_window.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "provider/provider_config.hpp"

#include <cmath>

namespace llmops::monitor {

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
    auto seconds = provider::parse_duration_seconds(text);
    if (!seconds || !std::isfinite(*seconds) || *seconds <= 0 || *seconds > 3.2e9)
        return std::nullopt;
    auto ms = static_cast<std::int64_t>(std::llround(*seconds * 1000.0));
    if (ms <= 0) return std::nullopt;
    return ms;
}

std::int64_t parse_time_or_ago(std::string_view text, std::int64_t now_ms,
                               const std::string& option) {
    if (auto at = parse_iso8601_ms(text)) return *at;
    if (auto ago = parse_duration_ms(text)) return now_ms - *ago;
    throw_usage(option +
                ": expected a duration (24h, 30m, 7d) or an ISO 8601 time "
                "(2026-12-01T10:00:00Z), got '" +
                std::string(text) + "'");
}

std::string format_duration_ms(std::int64_t ms) {
    struct Unit {
        std::int64_t ms;
        const char* suffix;
    };
    static constexpr Unit units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (const auto& u : units)
        if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
    return std::to_string(ms) + "ms";
}

} // namespace llmops::monitor
