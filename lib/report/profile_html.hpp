#pragma once
// The HTML report of a dataset profile: one self-contained file (inline CSS and SVG
// histograms, no scripts, no external resources) with every value HTML-escaped.
#include "data/profile/dataset_profile.hpp"

#include <string>
#include <string_view>

namespace llmops::report {

std::string render_profile_html(const data::DatasetProfile& profile);

// Text made safe for HTML element content and attribute values.
std::string html_escape(std::string_view text);
// Any text that reaches a page: repaired to valid UTF-8, then HTML-escaped.
std::string html_text(std::string_view raw);
// A number for a report: integers as such, else 4 significant digits; "-" if not finite.
std::string short_number(double v);

} // namespace llmops::report
