#pragma once
// A line chart over time as inline SVG, for the monitoring dashboard: one line per series (a
// release), a time axis in UTC, a value axis from 0 with round ticks, and vertical markers
// (deploys, promotions, rollbacks, alerts) at their times. Every point has a <title> tooltip.
// The page styles it through classes (`svg .axis`, `.grid`, `.line`, `.marker-KIND` ...).
#include <cstdint>
#include <string>
#include <vector>

namespace llmops::report {

struct TimePoint {
    std::int64_t t_ms = 0; // Unix ms
    double value = 0;
};

struct TimeSeries {
    std::string name;
    std::size_t color = 0; // an index into the palette, the same for a release on every chart
    // Ascending; a missing bucket (no value) breaks the line.
    std::vector<TimePoint> points;
};

struct TimeMarker {
    std::int64_t t_ms = 0;
    std::string kind;  // deploy, promote, rollback, ramp, check, alert ...: the CSS class
    std::string label; // short text by the line; the tooltip says more
    std::string title; // tooltip
};

enum class ValueUnit { Milliseconds, PerSecond, Ratio, Usd, Score, TokensPerSecond };

struct TimeChart {
    std::string title;
    ValueUnit unit = ValueUnit::Score;
    std::vector<TimeSeries> series;
};

struct TimeAxis {
    std::int64_t since_ms = 0;
    std::int64_t until_ms = 0;
    std::int64_t bucket_ms = 0; // points further apart than this are not joined
};

// The chart as one <svg> element (no XML namespace: for inline HTML, so it names no URL).
std::string time_chart_svg(const TimeChart& chart, const TimeAxis& axis,
                           const std::vector<TimeMarker>& markers);

// A value as the chart's axis and tooltips print it: "812 ms", "2.5%", "$0.0123", "3.4/s".
std::string format_chart_value(double value, ValueUnit unit);

// The palette colour of a series index (CSS hex).
std::string series_color(std::size_t index);

// Unix ms as UTC "2026-12-06 14:05".
std::string format_utc_minute(std::int64_t t_ms);

} // namespace llmops::report
