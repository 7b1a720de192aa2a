#include "report/drift_html.hpp"

#include "core/text.hpp"
#include "report/profile_html.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace llmops::report {

namespace {

constexpr const char* kDriftStyle =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 8px;"
    "text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".drift{color:#b00020;font-weight:bold}.ok{color:#1b5e20}.skip{color:#777}"
    "svg text{font-size:10px;fill:#444}svg .ref{fill:#1f77b4;fill-opacity:.55}"
    "svg .cur{fill:#ff7f0e;fill-opacity:.55}.legend span{display:inline-block;width:12px;"
    "height:12px;margin:0 4px 0 12px;vertical-align:middle}"
    "blockquote{margin:.3em 0;padding:.2em .8em;border-left:3px solid #ccc;color:#333}";

std::string num(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return short_number(v);
}

std::string verdict(bool drifted) {
    return drifted ? "<span class=\"drift\">drift</span>" : "<span class=\"ok\">ok</span>";
}

std::string outcome_row(const std::string& column, const std::string& kind,
                        const drift::TestOutcome& o) {
    return fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{} {}</td>"
                       "<td>{}</td></tr>",
                       html_text(column), html_text(kind), html_text(o.test), num(o.statistic),
                       o.p_value ? num(*o.p_value) : "-", num(o.threshold), html_text(o.rule),
                       html_text(o.effect_size_name), o.effect_size ? num(*o.effect_size) : "-",
                       verdict(o.drifted));
}

std::string terms_list(const std::vector<std::pair<std::string, double>>& terms) {
    std::string s;
    for (const auto& [t, w] : terms)
        s += fmt::format("{}<code>{}</code> ({:+.3f})", s.empty() ? "" : ", ", html_text(t), w);
    return s.empty() ? "-" : s;
}

} // namespace

std::string overlaid_histogram_svg(const std::vector<std::string>& labels,
                                   const std::vector<double>& reference,
                                   const std::vector<double>& current, std::size_t max_bars) {
    const std::size_t n = std::min({labels.size(), reference.size(), current.size()});
    if (n == 0) return "";
    std::vector<std::size_t> shown(n);
    std::iota(shown.begin(), shown.end(), 0);
    if (n > max_bars) {
        std::stable_sort(shown.begin(), shown.end(), [&](std::size_t a, std::size_t b) {
            return std::max(reference[a], current[a]) > std::max(reference[b], current[b]);
        });
        shown.resize(max_bars);
        std::sort(shown.begin(), shown.end());
    }
    double top = 0;
    for (std::size_t i : shown)
        top = std::max({top, reference[i], current[i]});
    if (top <= 0) top = 1;
    const double width = 640, height = 160, bottom = 40;
    const double bar = width / static_cast<double>(shown.size());
    std::string s =
        fmt::format("<svg width=\"{}\" height=\"{}\" role=\"img\">", width, height + bottom);
    for (std::size_t k = 0; k < shown.size(); ++k) {
        const std::size_t i = shown[k];
        const double x = static_cast<double>(k) * bar;
        const double hr = reference[i] / top * height, hc = current[i] / top * height;
        const std::string title =
            fmt::format("{}: reference {:.2f}%, current {:.2f}%", html_text(labels[i]),
                        reference[i] * 100, current[i] * 100);
        s += fmt::format("<rect class=\"ref\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                         "height=\"{:.1f}\"><title>{}</title></rect>",
                         x + 1, height - hr, std::max(bar - 2, 1.0), hr, title);
        s += fmt::format("<rect class=\"cur\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                         "height=\"{:.1f}\"><title>{}</title></rect>",
                         x + 1, height - hc, std::max(bar - 2, 1.0), hc, title);
        if (shown.size() <= 12 || k % ((shown.size() + 11) / 12) == 0)
            s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x + 2, height + 14,
                             html_text(one_line(labels[i], 14)));
    }
    s += "</svg>";
    return s;
}

std::string render_drift_html(const drift::DriftReport& r) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += fmt::format("<title>Drift: {} vs {}</title><style>{}</style></head><body>",
                     html_text(r.reference), html_text(r.current), kDriftStyle);
    h += fmt::format("<h1>Drift: <code>{}</code> → <code>{}</code></h1>", html_text(r.reference),
                     html_text(r.current));
    h += fmt::format("<p>{} of {} tested columns drifted ({:.0f}%; the dataset drifts at ≥ "
                     "{:.0f}%): <strong>{}</strong>. Reference {} rows, current {} rows.</p>",
                     r.drifted, r.tested, r.drifted_share * 100, r.drift_share * 100,
                     r.dataset_drifted ? "dataset drifted" : "no dataset drift", r.reference_rows,
                     r.current_rows);
    h += "<h2>Tests</h2><table><tr><th>column</th><th>kind</th><th>test</th><th>statistic</th>"
         "<th>p-value</th><th>threshold</th><th>drift when</th><th>effect size</th>"
         "<th>verdict</th></tr>";
    for (const auto& c : r.columns) {
        const std::string kind = c.kind ? drift::kind_name(*c.kind) : "-";
        if (!c.skipped.empty()) {
            h += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td colspan=\"7\" "
                             "class=\"skip\">skipped: {}</td></tr>",
                             html_text(c.column), html_text(kind), html_text(c.skipped));
            continue;
        }
        if (c.outcome) h += outcome_row(c.column, kind, *c.outcome);
        if (c.content)
            h +=
                fmt::format("<tr><td><code>{}</code></td><td>text</td><td>domain classifier"
                            "</td><td class=\"n\">AUC {}</td><td class=\"n\">-</td><td "
                            "class=\"n\">{}</td><td>AUC &gt; threshold ({})</td><td>-</td>"
                            "<td>{}</td></tr>",
                            html_text(c.column), num(c.content->roc_auc), num(c.content->threshold),
                            html_text(c.content->threshold_rule), verdict(c.content->drifted));
        for (const auto& [name, o] : c.descriptors)
            h += outcome_row(c.column + ":" + name, "text descriptor", o);
    }
    h += "</table>";
    h += "<h2>Columns</h2><p class=\"legend\"><span style=\"background:#1f77b4;opacity:.55\">"
         "</span>reference<span style=\"background:#ff7f0e;opacity:.55\"></span>current</p>";
    for (const auto& c : r.columns) {
        if (!c.skipped.empty()) continue;
        h += fmt::format("<h3><code>{}</code> {}</h3>", html_text(c.column), verdict(c.drifted));
        for (const auto& note : c.notes)
            h += fmt::format("<p class=\"skip\">{}</p>", html_text(note));
        h += overlaid_histogram_svg(c.bin_labels, c.reference_shares, c.current_shares);
        if (c.content) {
            const auto& k = *c.content;
            h += fmt::format("<p>Domain classifier: ROC AUC {} on {} held-out rows (threshold "
                             "{}, {}).</p>",
                             num(k.roc_auc), k.test_rows, num(k.threshold),
                             html_text(k.threshold_rule));
            h += fmt::format("<p>Terms that mark <strong>current</strong> rows: {}</p>",
                             terms_list(k.current_terms));
            h += fmt::format("<p>Terms that mark <strong>reference</strong> rows: {}</p>",
                             terms_list(k.reference_terms));
            h += "<p>Typical current rows:</p>";
            for (const auto& e : k.current_examples)
                h += fmt::format("<blockquote>{}</blockquote>", html_text(one_line(e, 400)));
            h += "<p>Typical reference rows:</p>";
            for (const auto& e : k.reference_examples)
                h += fmt::format("<blockquote>{}</blockquote>", html_text(one_line(e, 400)));
        }
    }
    h += "</body></html>\n";
    return h;
}

} // namespace llmops::report
