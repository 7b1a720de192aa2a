#include "option_rules.hpp"
#include "core/text.hpp"
#include "provider/provider_config.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <system_error>

namespace llmops::cli {

namespace {

constexpr std::uint64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kUint64Max = std::numeric_limits<std::uint64_t>::max();

// The text of a bound: shortest round-trip form, so 0.001 stays 0.001 and 1e-09 stays short.
std::string bound_text(double value) {
    return fmt::format("{}", value);
}

// What was typed, cut so that a pasted page never becomes the error message.
std::string typed(const std::string& text) {
    return "'" + one_line(text, 40) + "'";
}

std::string whole_range_text(std::uint64_t min, std::uint64_t max) {
    if (max >= kInt64Max) return fmt::format("a whole number of at least {}", min);
    return fmt::format("a whole number from {} to {}", min, max);
}

std::string real_range_text(const RealRange& r) {
    std::string what = r.unit.empty() ? "a number" : "a number of " + r.unit;
    if (r.above_min)
        return fmt::format("{} greater than {} and at most {}", what, bound_text(r.min),
                           bound_text(r.max));
    return fmt::format("{} from {} to {}", what, bound_text(r.min), bound_text(r.max));
}

// A bound in the largest unit that writes it whole: 1ms, 90s, 2m, 24h, 7d.
std::string duration_text(double seconds) {
    if (seconds == 0) return "0s";
    struct Unit {
        double seconds;
        const char* name;
    };
    for (Unit unit : {Unit{86400, "d"}, Unit{3600, "h"}, Unit{60, "m"}, Unit{1, "s"}}) {
        double count = seconds / unit.seconds;
        if (count >= 1 && count == std::floor(count)) return fmt::format("{}{}", count, unit.name);
    }
    return fmt::format("{}ms", seconds * 1000);
}

bool all_digits(const std::string& text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

} // namespace

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            const std::string expected = whole_range_text(min, max);
            if (!all_digits(text)) return fmt::format("expected {}, got {}", expected, typed(text));
            std::uint64_t value = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            // Past every bound the message shows: say why the digits were refused.
            if (ec == std::errc::result_out_of_range || (value > max && max >= kInt64Max))
                return fmt::format("expected {}, got {} (too large)", expected, typed(text));
            if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
                return fmt::format("expected {}, got {}", expected, typed(text));
            return {};
        },
        "", "whole number");
}

CLI::Validator seed_number() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::uint64_t value = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (!all_digits(text) || ec != std::errc() || end != text.data() + text.size())
                return fmt::format("expected a whole number from 0 to {}, got {}", kUint64Max,
                                   typed(text));
            return {};
        },
        "", "seed");
}

CLI::Validator real_number(RealRange range) {
    return CLI::Validator(
        [range](std::string& text) -> std::string {
            const std::string expected = real_range_text(range);
            double value = 0;
            // from_chars: plain decimal or exponent form only; no hex, no leading '+'.
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                             std::chars_format::general);
            const bool parsed = ec == std::errc() && end == text.data() + text.size();
            if (ec == std::errc::result_out_of_range && end == text.data() + text.size())
                return fmt::format("expected {}, got {} (out of range)", expected, typed(text));
            if (!parsed || !std::isfinite(value))
                return fmt::format("expected {}, got {}", expected, typed(text));
            const bool below = range.above_min ? value <= range.min : value < range.min;
            if (below || value > range.max)
                return fmt::format("expected {}, got {}", expected, typed(text));
            return {};
        },
        "", "number");
}

CLI::Validator duration_seconds(double min_s, double max_s) {
    return CLI::Validator(
        [min_s, max_s](std::string& text) -> std::string {
            auto seconds = provider::parse_duration_seconds(text);
            if (!seconds || !std::isfinite(*seconds) || *seconds < min_s || *seconds > max_s)
                return fmt::format("expected a duration from {} to {} (seconds, or a number with "
                                   "a unit: 500ms, 30s, 2m, 1h, 7d), got {}",
                                   duration_text(min_s), duration_text(max_s), typed(text));
            text = fmt::format("{}", *seconds);
            return {};
        },
        "", "duration");
}

CLI::Validator request_timeout_seconds() {
    return duration_seconds(0.001, 86400);
}
CLI::Validator requests_per_minute() {
    return real_number(
        {.min = 0.001, .max = 1e9, .above_min = false, .unit = "requests per minute"});
}
CLI::Validator tokens_per_minute() {
    return real_number({.min = 1, .max = 1e12, .above_min = false, .unit = "tokens per minute"});
}
CLI::Validator concurrency_range() {
    return whole_number(1, 1024);
}
CLI::Validator max_retries_range() {
    return whole_number(0, 100);
}
CLI::Validator traffic_percent() {
    return real_number({.min = 0, .max = 100, .above_min = false, .unit = "percent"});
}

} // namespace llmops::cli
