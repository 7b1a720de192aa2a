#pragma once
// The HTML report of `llmops drift --html FILE`: one self-contained file (inline CSS and SVG,
// no scripts, no external resources): the test table, per-column overlaid histograms of the
// reference and current shares, and the text columns' explanation.
#include "drift/drift_report.hpp"

#include <string>
#include <vector>

namespace llmops::report {

std::string render_drift_html(const drift::DriftReport& report);

// Reference and current shares as overlaid bars (reference behind, current in front, both
// translucent); at most `max_bars` bins, the largest by max(reference, current) when there are
// more. "" when there is nothing to draw.
std::string overlaid_histogram_svg(const std::vector<std::string>& labels,
                                   const std::vector<double>& reference,
                                   const std::vector<double>& current, std::size_t max_bars = 40);

} // namespace llmops::report
