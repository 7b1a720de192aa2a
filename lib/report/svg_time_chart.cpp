#include "report/svg_time_chart.hpp"

#include "report/profile_html.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace llmops::report {

namespace {

constexpr int kWidth = 640, kHeight = 220, kLeft = 64, kRight = 16, kTop = 26, kBottom = 30;
constexpr int kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// A round step (1, 2 or 5 times a power of ten) giving about `ticks` intervals up to `max`.
double nice_step(double max, int ticks) {
    const double raw = max / ticks;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * power) return m * power;
    return 10.0 * power;
}

// A time step from a fixed ladder giving at most about six labels over the span.
std::int64_t time_step(std::int64_t span_ms) {
    static constexpr std::array<std::int64_t, 16> ladder = {
        1000,     5000,     15000,    60000,    300000,    900000,    1800000,    3600000,
        10800000, 21600000, 43200000, 86400000, 172800000, 604800000, 1209600000, 2592000000};
    for (std::int64_t step : ladder)
        if (span_ms / step <= 6) return step;
    return ladder.back();
}

std::tm utc(std::int64_t t_ms) {
    std::time_t seconds = static_cast<std::time_t>(std::floor(static_cast<double>(t_ms) / 1000.0));
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return tm;
}

std::string tick_label(std::int64_t t_ms, std::int64_t span_ms, std::int64_t step) {
    std::tm tm = utc(t_ms);
    if (step >= 86400000) return fmt::format("{:02}-{:02}", tm.tm_mon + 1, tm.tm_mday);
    if (span_ms > 86400000)
        return fmt::format("{:02}-{:02} {:02}:{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                           tm.tm_min);
    if (step < 60000) return fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
    return fmt::format("{:02}:{:02}", tm.tm_hour, tm.tm_min);
}

// Trims "2.50" to "2.5" and "3.00" to "3".
std::string trimmed(double value, int decimals) {
    std::string text = fmt::format("{:.{}f}", value, decimals);
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0')
            text.pop_back();
        if (text.back() == '.') text.pop_back();
    }
    return text;
}

int decimals_for(double value) {
    const double magnitude = std::abs(value);
    if (magnitude == 0 || magnitude >= 100) return 0;
    if (magnitude >= 10) return 1;
    if (magnitude >= 1) return 2;
    return std::min(8, 2 - static_cast<int>(std::floor(std::log10(magnitude))));
}

} // namespace

std::string series_color(std::size_t index) {
    static constexpr std::array<const char*, 8> palette = {
        "#3b6fd4", "#d9822b", "#2e9e5b", "#c23b3b", "#7d4fc4", "#1f9ba8", "#b5a020", "#8a5a44"};
    return palette[index % palette.size()];
}

std::string format_utc_minute(std::int64_t t_ms) {
    std::tm tm = utc(t_ms);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min);
}

std::string format_chart_value(double value, ValueUnit unit) {
    switch (unit) {
    case ValueUnit::Milliseconds:
        return trimmed(value, value < 10 ? 1 : 0) + " ms";
    case ValueUnit::PerSecond:
        return trimmed(value, decimals_for(value)) + "/s";
    case ValueUnit::TokensPerSecond:
        return trimmed(value, decimals_for(value)) + " tok/s";
    case ValueUnit::Ratio:
        return trimmed(100.0 * value, decimals_for(100.0 * value)) + "%";
    case ValueUnit::Usd:
        return "$" + trimmed(value, std::max(2, decimals_for(value) + 1));
    case ValueUnit::Score:
        return trimmed(value, decimals_for(value));
    }
    return trimmed(value, 3);
}

std::string time_chart_svg(const TimeChart& chart, const TimeAxis& axis,
                           const std::vector<TimeMarker>& markers) {
    const std::int64_t since = axis.since_ms;
    const std::int64_t span = std::max<std::int64_t>(1, axis.until_ms - axis.since_ms);
    double max_value = 0;
    for (const auto& s : chart.series)
        for (const auto& p : s.points)
            if (std::isfinite(p.value)) max_value = std::max(max_value, p.value);
    if (chart.unit == ValueUnit::Ratio && max_value == 0) max_value = 0.01;
    if (max_value <= 0) max_value = 1;
    const double step = nice_step(max_value, 4);
    const double top_value = std::ceil(max_value / step - 1e-9) * step;
    auto x_of = [&](std::int64_t t) {
        return kLeft + static_cast<double>(t - since) / static_cast<double>(span) * kPlotW;
    };
    auto y_of = [&](double v) { return kTop + kPlotH - v / top_value * kPlotH; };

    std::string svg = fmt::format(
        R"(<svg class="time-chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">)",
        kWidth, kHeight, kWidth, kHeight, html_escape(chart.title));
    svg += fmt::format(R"(<text class="chart-title" x="{}" y="16">{}</text>)", kLeft,
                       html_escape(chart.title));
    // Value grid and labels.
    for (int i = 0; step * i <= top_value + step * 1e-9; ++i) {
        const double v = step * i;
        const double y = y_of(v);
        svg += fmt::format(R"(<line class="grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)", kLeft,
                           y, kLeft + kPlotW, y);
        svg += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end">{}</text>)", kLeft - 4,
                           y + 4, html_escape(format_chart_value(v, chart.unit)));
    }
    // Time axis: ticks at multiples of the step (UTC).
    svg += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", kLeft,
                       kTop + kPlotH, kLeft + kPlotW, kTop + kPlotH);
    const std::int64_t tstep = time_step(span);
    for (std::int64_t t = (since / tstep + 1) * tstep; t < axis.until_ms; t += tstep) {
        const double x = x_of(t);
        svg += fmt::format(R"(<line class="axis" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>)", x,
                           kTop + kPlotH, x, kTop + kPlotH + 4);
        svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", x,
                           kTop + kPlotH + 16, tick_label(t, span, tstep));
    }
    // Markers under the lines; labels step down in four rows so that close ones stay legible.
    std::size_t shown = 0;
    for (const auto& m : markers) {
        if (m.t_ms < since || m.t_ms > axis.until_ms) continue;
        const double x = x_of(m.t_ms);
        const int label_y = kTop + 9 + static_cast<int>(shown++ % 4) * 11;
        // Labels right of the middle go to the left of their line, so none leaves the chart.
        const bool left_side = x > kLeft + kPlotW / 2.0;
        svg += fmt::format(
            R"(<g class="marker marker-{}"><line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/><text x="{:.1f}" y="{}"{}>{}</text><title>{}</title></g>)",
            html_escape(m.kind), x, kTop, x, kTop + kPlotH, left_side ? x - 2 : x + 2, label_y,
            left_side ? R"( text-anchor="end")" : "", html_escape(m.label), html_escape(m.title));
    }
    // One line per series, broken where a bucket has no value.
    const double gap = axis.bucket_ms > 0 ? 1.5 * static_cast<double>(axis.bucket_ms) : 0;
    for (const auto& s : chart.series) {
        const std::string color = series_color(s.color);
        svg += fmt::format(R"(<g class="series" data-series="{}">)", html_escape(s.name));
        std::string path;
        for (std::size_t i = 0; i < s.points.size(); ++i) {
            const auto& p = s.points[i];
            if (!std::isfinite(p.value)) continue;
            const bool joined =
                i > 0 && std::isfinite(s.points[i - 1].value) &&
                (gap == 0 || static_cast<double>(p.t_ms - s.points[i - 1].t_ms) <= gap);
            path += fmt::format("{}{:.1f},{:.1f}", joined ? " L" : (path.empty() ? "M" : " M"),
                                x_of(p.t_ms), y_of(p.value));
        }
        if (!path.empty())
            svg += fmt::format(R"(<path class="line" d="{}" stroke="{}"/>)", path, color);
        for (const auto& p : s.points) {
            if (!std::isfinite(p.value)) continue;
            svg += fmt::format(
                R"(<circle class="point" cx="{:.1f}" cy="{:.1f}" r="2.2" fill="{}"><title>{} {}: {}</title></circle>)",
                x_of(p.t_ms), y_of(p.value), color, html_escape(s.name), format_utc_minute(p.t_ms),
                html_escape(format_chart_value(p.value, chart.unit)));
        }
        svg += "</g>";
    }
    if (chart.series.empty() || std::all_of(chart.series.begin(), chart.series.end(),
                                            [](const TimeSeries& s) { return s.points.empty(); }))
        svg += fmt::format(
            R"(<text class="empty" x="{}" y="{}" text-anchor="middle">no data in this window</text>)",
            kLeft + kPlotW / 2, kTop + kPlotH / 2);
    return svg + "</svg>";
}

} // namespace llmops::report
