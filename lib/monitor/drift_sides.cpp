#include "monitor/drift_sides.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "monitor/time_window.hpp"

#include <algorithm>
#include <cctype>

namespace llmops::monitor {

namespace {

constexpr std::string_view kLogsPrefix = "logs:";
constexpr std::string_view kFilePrefix = "file:";

bool has_file_extension(const std::string& side) {
    std::string lower = side;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* ext : {".csv", ".jsonl", ".ndjson", ".json"}) {
        const std::string e = ext;
        if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
            return true;
    }
    return false;
}

} // namespace

std::optional<LogSelection> parse_log_side(const std::string& side, std::int64_t now_ms) {
    if (side.rfind(kLogsPrefix, 0) != 0) return std::nullopt;
    auto bad = [&side](const std::string& why) -> void {
        throw_usage(
            "drift side '" + side + "': " + why +
            " (expected logs:ROUTE[@ENV][:SINCE[..UNTIL]], e.g. logs:qa@production:7d..1d)");
    };
    const std::string rest = side.substr(kLogsPrefix.size());
    // ROUTE and ENV hold no ':'; the window may (ISO 8601 times).
    const auto colon = rest.find(':');
    const std::string target = rest.substr(0, colon);
    const std::string window = colon == std::string::npos ? "" : rest.substr(colon + 1);
    LogSelection s;
    const auto at = target.find('@');
    const std::string route = target.substr(0, at);
    if (route.empty()) bad("no route (use * for any route)");
    if (route != "*") s.selector.route = route;
    if (at != std::string::npos) {
        s.selector.env = target.substr(at + 1);
        if (s.selector.env.empty()) bad("no environment after '@'");
    }
    s.until_ms = now_ms;
    s.since_ms = now_ms - 24 * 3600000LL;
    if (colon != std::string::npos) {
        if (window.empty()) bad("no window after ':'");
        const auto dots = window.find("..");
        const std::string since = window.substr(0, dots);
        if (since.empty()) bad("no start before '..'");
        s.since_ms = parse_time_or_ago(since, now_ms, "drift side '" + side + "'");
        if (dots != std::string::npos) {
            const std::string until = window.substr(dots + 2);
            if (until.empty()) bad("no end after '..'");
            s.until_ms = parse_time_or_ago(until, now_ms, "drift side '" + side + "'");
        }
    }
    if (s.until_ms <= s.since_ms) bad("the window is empty (its start is not before its end)");
    return s;
}

std::string log_side_label(const LogSelection& s) {
    std::string target = s.selector.route.empty() ? "*" : s.selector.route;
    if (!s.selector.env.empty()) target += "@" + s.selector.env;
    return "logs:" + target + " [" + iso8601_from_ms(s.since_ms) + ", " +
           iso8601_from_ms(s.until_ms) + ")";
}

std::unique_ptr<drift::ColumnSource> open_drift_side(store::Project& project,
                                                     const std::string& side, std::int64_t now_ms) {
    if (auto selection = parse_log_side(side, now_ms))
        return std::make_unique<LogColumnSource>(project.db(), *selection,
                                                 log_side_label(*selection));
    if (side.rfind(kFilePrefix, 0) == 0) {
        const std::string path = side.substr(kFilePrefix.size());
        if (path.empty()) throw_usage("drift side 'file:': no path");
        return std::make_unique<drift::FileColumnSource>(path);
    }
    std::error_code ec;
    if (has_file_extension(side) && std::filesystem::is_regular_file(side, ec))
        return std::make_unique<drift::FileColumnSource>(side);
    return std::make_unique<drift::DatasetColumnSource>(project, side);
}

} // namespace llmops::monitor
