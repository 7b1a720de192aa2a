#include "report/svg_histogram.hpp"

#include "report/profile_html.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace llmops::report {

std::string histogram_svg(const stats::Histogram& h, std::string_view label) {
    if (h.counts.empty()) return {};
    constexpr int width = 460, height = 170, left = 44, bottom = 30, top = 10;
    const int plot_w = width - left - 10, plot_h = height - bottom - top;
    const std::uint64_t peak = *std::max_element(h.counts.begin(), h.counts.end());
    const double bar_w = static_cast<double>(plot_w) / static_cast<double>(h.counts.size());
    std::string svg = fmt::format(R"(<svg width="{}" height="{}" role="img" aria-label="{}">)",
                                  width, height, html_escape(label));
    svg += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", left,
                       top + plot_h, left + plot_w, top + plot_h);
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        const double bh =
            peak == 0 ? 0.0 : static_cast<double>(h.counts[i]) / static_cast<double>(peak) * plot_h;
        const bool last = i + 1 == h.counts.size();
        svg += fmt::format(
            R"(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}{} – {}{}: {}</title></rect>)",
            left + bar_w * static_cast<double>(i) + 0.5, top + plot_h - bh,
            std::max(bar_w - 1.0, 0.5), bh, "[", html_escape(short_number(h.edges[i])),
            html_escape(short_number(h.edges[i + 1])), last ? "]" : ")", h.counts[i]);
    }
    svg +=
        fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", left - 4, top + 10, peak);
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">0</text>)", left - 4, top + plot_h);
    svg += fmt::format(R"(<text x="{}" y="{}">{}</text>)", left, height - 12,
                       html_escape(short_number(h.edges.front())));
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", left + plot_w,
                       height - 12, html_escape(short_number(h.edges.back())));
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}{}</text>)", left + plot_w / 2,
                       height - 2, html_escape(label),
                       h.estimated ? " (estimated from a sample)" : "");
    return svg + "</svg>";
}

} // namespace llmops::report
