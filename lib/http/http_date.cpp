#include "http/http_date.hpp"

#include "core/text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace llmops::http {

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

std::optional<unsigned> number(std::string_view s) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

} // namespace

std::optional<std::int64_t> parse_http_date(std::string_view text) {
    // The three forms hold the same parts in different orders and separators: a weekday, a
    // day, a month name, a year (two digits in RFC 850) and hh:mm:ss, with GMT except in
    // asctime. The day always comes before the year.
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '-'))
            ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-')
            ++i;
        if (i > start) tokens.push_back(text.substr(start, i - start));
    }
    std::optional<unsigned> month;
    std::vector<std::string_view> numbers;
    std::string_view clock;
    bool weekday = false, gmt = false;
    for (std::string_view t : tokens) {
        if (t.find(':') != std::string_view::npos) {
            if (!clock.empty()) return std::nullopt;
            clock = t;
        } else if (std::isdigit(static_cast<unsigned char>(t.front()))) {
            numbers.push_back(t);
        } else if (std::string name = ascii_lower(t); name == "gmt") {
            if (gmt) return std::nullopt;
            gmt = true;
        } else if (name.size() == 3 && !month && weekday) {
            for (unsigned m = 0; m < kMonths.size() && !month; ++m)
                if (name == kMonths[m]) month = m + 1;
            if (!month) return std::nullopt;
        } else if (!weekday && !month) {
            weekday = true; // its spelling is not checked: the date decides the day
        } else {
            return std::nullopt;
        }
    }
    if (!month || numbers.size() != 2 || clock.size() != 8 || clock[2] != ':' || clock[5] != ':')
        return std::nullopt;
    auto day = number(numbers[0]);
    auto year = number(numbers[1]);
    auto hh = number(clock.substr(0, 2)), mm = number(clock.substr(3, 2)),
         ss = number(clock.substr(6, 2));
    if (!day || !year || !hh || !mm || !ss) return std::nullopt;
    std::int64_t y = *year;
    if (numbers[1].size() == 2)
        y += y < 70 ? 2000 : 1900; // RFC 850's two-digit years
    else if (numbers[1].size() != 4)
        return std::nullopt;
    if (*day < 1 || *day > days_in_month(y, *month) || *hh > 23 || *mm > 59 || *ss > 60)
        return std::nullopt;
    return days_from_civil(y, *month, *day) * 86400 + *hh * 3600 + *mm * 60 + *ss;
}

} // namespace llmops::http
