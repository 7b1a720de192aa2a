#pragma once
// A histogram as an inline SVG bar chart, for the self-contained HTML reports (dataset profile,
// eval). The page styles it: `svg .bar`, `svg .axis`, `svg text`.
#include <string>
#include <string_view>

#include "stats/value_sample.hpp"

namespace llmops::report {

// Each bar's <title> gives its range and count as a tooltip; "" for an empty histogram. For
// inline use in HTML, which needs no SVG namespace (and so names no URL).
std::string histogram_svg(const stats::Histogram& h, std::string_view label);

} // namespace llmops::report
