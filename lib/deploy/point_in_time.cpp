// `deploy history --at`: a point in time as the stored UTC text (ISO 8601, milliseconds, Z).
#include "deploy/deployer.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <regex>

#include "core/error.hpp"
#include "core/time.hpp"
#include "provider/provider_config.hpp"

namespace llmops::deploy {

namespace {

std::string utc_text(std::int64_t unix_ms) {
    std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

[[noreturn]] void bad_time(const std::string& text, const std::string& why) {
    throw Error(ErrorKind::Usage, "--at '" + text + "': " + why, {},
                "use 2026-12-05T14:02 (UTC), 2026-12-05 14:02+01:00, or a time ago such as 2h");
}

} // namespace

std::string parse_point_in_time(const std::string& text) {
    std::int64_t now = now_unix_ms();
    if (auto ago = provider::parse_duration_seconds(text)) {
        if (*ago < 0) bad_time(text, "a time ago cannot be negative");
        return utc_text(now - static_cast<std::int64_t>(*ago * 1000));
    }
    // The pattern is fixed (not user-controlled) and short: std::regex is fine here.
    static const std::regex form(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?)"
        R"((Z|[+-]\d{2}:\d{2})?$)");
    std::smatch m;
    if (!std::regex_match(text, m, form)) bad_time(text, "not a date and time");
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = m[4].matched ? std::stoi(m[4]) : 0;
    tm.tm_min = m[5].matched ? std::stoi(m[5]) : 0;
    tm.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        bad_time(text, "a field is out of range");
    std::tm check = tm;
    std::int64_t seconds = static_cast<std::int64_t>(timegm(&check));
    if (check.tm_mday != tm.tm_mday) bad_time(text, "no such day");
    if (m[8].matched && m[8].str() != "Z") {
        std::string zone = m[8].str();
        int offset = std::stoi(zone.substr(1, 2)) * 3600 + std::stoi(zone.substr(4, 2)) * 60;
        seconds -= zone[0] == '+' ? offset : -offset;
    }
    std::int64_t ms = seconds * 1000;
    if (m[7].matched) {
        std::string frac = m[7].str();
        frac.resize(3, '0');
        ms += std::stoi(frac);
    }
    if (ms > now) bad_time(text, "is in the future");
    // "14:02" means the whole minute (up to 14:02:59.999), a date the whole day, up to now.
    if (!m[6].matched) ms = std::min(now, ms + (m[4].matched ? 59999 : 86399999));
    return utc_text(ms);
}

} // namespace llmops::deploy
