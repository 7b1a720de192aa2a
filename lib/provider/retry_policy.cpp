#include "provider/retry_policy.hpp"

#include "core/text.hpp"

#include "http/http_date.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace llmops::provider {

double retry_delay_ms(const RetryPolicy& policy, int retry, std::optional<double> retry_after_s,
                      std::mt19937_64& rng) {
    double ceiling = policy.base_delay_ms * std::pow(2.0, std::max(0, retry - 1));
    ceiling = std::min(ceiling, policy.max_delay_ms);
    std::uniform_real_distribution<double> jitter(ceiling / 2, ceiling);
    double delay = ceiling > 0 ? jitter(rng) : 0;
    if (retry_after_s) {
        double floor_ms = std::min(*retry_after_s, policy.max_retry_after_s) * 1000.0;
        delay = std::max(delay, floor_ms);
    }
    return delay;
}

std::optional<double> parse_retry_after(std::string_view value, std::int64_t now_unix_s) {
    value = trim_spaces(value);
    if (value.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(value.front()))) {
        double seconds = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0 &&
            std::isfinite(seconds))
            return seconds;
        // Not a number after all: fall through to the date form.
    }
    auto when = http::parse_http_date(value);
    if (!when) return std::nullopt;
    return std::max<double>(0, static_cast<double>(*when - now_unix_s));
}

} // namespace llmops::provider
