#include "report/profile_html.hpp"

#include "core/text.hpp"
#include "report/svg_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace llmops::report {

using data::DatasetProfile;
using data::FieldProfile;
using stats::Histogram;

std::string short_number(double v) {
    if (!std::isfinite(v)) return "-";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{:.4g}", v);
}

namespace {

constexpr std::string_view kProfileStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;
 padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #dde}
h3{font-size:1rem;margin:.2rem 0 .6rem}
.sub{color:#667;margin-top:0}
table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{padding:.25rem .7rem;border-bottom:1px solid #eef;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f5f6fa;font-weight:600}
.field{border:1px solid #dde;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
.tag{display:inline-block;padding:0 .45rem;border-radius:4px;background:#e8ecf8;color:#334;font-size:.85em}
.warn{background:#fde8e8;color:#822}
code{background:#f5f6fa;padding:0 .25rem;border-radius:3px;word-break:break-all}
svg .bar{fill:#5b7bd5}svg .axis{stroke:#99a;stroke-width:1}svg text{font-size:11px;fill:#556}
)";

std::string pct(double rate) {
    return fmt::format("{:.2f}%", rate * 100.0);
}

std::string value_text(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string row(std::string_view name, std::string_view value) {
    return fmt::format("<tr><th>{}</th><td class=\"n\">{}</td></tr>", html_escape(name),
                       html_escape(value));
}

std::string field_section(const FieldProfile& f) {
    std::string s = "<section class=\"field\">";
    s += fmt::format("<h3><code>{}</code> <span class=\"tag\">{}</span></h3>", html_escape(f.name),
                     html_escape(f.inferred_type));
    std::string types;
    for (const auto& [type, n] : f.types)
        types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n);
    s += "<div class=\"grid\"><table>";
    s += row("present", fmt::format("{}", f.present));
    s += row("missing", fmt::format("{} ({})", f.missing, pct(f.missing_rate)));
    s += row("null", fmt::format("{} ({})", f.nulls, pct(f.null_rate)));
    s += row("types", types);
    if (!f.profiled)
        return s + "</table></div><p class=\"sub\">Past the field limit: only presence and types "
                   "are counted.</p></section>";
    s += row("distinct", fmt::format("{}{}", f.distinct, f.distinct_exact ? "" : " (estimate)"));
    if (f.numeric) {
        const auto& n = *f.numeric;
        s += row("min / max", short_number(n.min) + " / " + short_number(n.max));
        s += row("mean ± stddev", short_number(n.mean) + " ± " + short_number(n.stddev));
        s += row("p50 / p90 / p99",
                 fmt::format("{} / {} / {}{}", short_number(n.percentiles.p50),
                             short_number(n.percentiles.p90), short_number(n.percentiles.p99),
                             n.exact_percentiles ? "" : " (sampled)"));
    }
    if (f.text) {
        const auto& t = *f.text;
        s += row("chars min / mean / max", short_number(static_cast<double>(t.chars.min)) + " / " +
                                               short_number(t.chars.mean) + " / " +
                                               short_number(static_cast<double>(t.chars.max)));
        if (t.chars.percentiles)
            s += row("chars p50 / p90 / p99",
                     fmt::format("{} / {} / {}{}", short_number(t.chars.percentiles->p50),
                                 short_number(t.chars.percentiles->p90),
                                 short_number(t.chars.percentiles->p99),
                                 t.exact_percentiles ? "" : " (sampled)"));
        s += row("words min / mean / max", short_number(static_cast<double>(t.words.min)) + " / " +
                                               short_number(t.words.mean) + " / " +
                                               short_number(static_cast<double>(t.words.max)));
        s += row("tokens ≈ mean / total", short_number(t.tokens.mean) + " / " +
                                              short_number(static_cast<double>(t.tokens.total)));
        s += row("empty strings", fmt::format("{}", t.empty));
        s += row("values with control chars", fmt::format("{}", t.control_char_values));
    }
    s += "</table>";
    if (!f.top_values.empty()) {
        s += "<table><tr><th>top value</th><th>count</th></tr>";
        for (const auto& v : f.top_values)
            s += fmt::format("<tr><td><code>{}{}</code></td><td class=\"n\">{}{}</td></tr>",
                             html_escape(value_text(v.value)), v.truncated ? "…" : "", v.count,
                             f.top_values_exact ? "" : "+");
        s += "</table>";
    }
    if (f.numeric) s += "<div>" + histogram_svg(f.numeric->histogram, "value") + "</div>";
    if (f.text) s += "<div>" + histogram_svg(f.text->histogram, "length in characters") + "</div>";
    return s + "</div></section>";
}

} // namespace

std::string html_text(std::string_view raw) {
    return html_escape(to_valid_utf8(raw));
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            // Control characters would make the document invalid; show them as U+FFFD.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
                out += "\xEF\xBF\xBD";
            else
                out.push_back(c);
        }
    }
    return out;
}

std::string render_profile_html(const DatasetProfile& p) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += fmt::format("<title>Profile of {}</title><style>{}</style></head><body>",
                     html_escape(p.dataset), kProfileStyle);
    h += fmt::format("<h1>Profile of <code>{}</code></h1><p class=\"sub\">manifest {}</p>",
                     html_escape(p.dataset), html_escape(p.manifest));
    h += "<table>";
    h += row("rows", fmt::format("{}", p.rows));
    h += row("bytes (canonical JSONL)", fmt::format("{}", p.bytes));
    h += row("fields", fmt::format("{}", p.fields.size()));
    h += row("exact-duplicate rows",
             fmt::format("{}{}", p.duplicate_rows, p.duplicate_rows_exact ? "" : " (estimate)"));
    if (p.near_duplicates) {
        const auto& n = *p.near_duplicates;
        h += row("near-duplicate pairs (estimate)",
                 fmt::format("{:.0f} in field {} (Jaccard ≥ {}; {} of {} sampled texts have one)",
                             n.estimated_pairs, n.field, n.estimate.threshold,
                             n.estimate.texts_with_near_duplicate, n.estimate.sample_texts));
    }
    h += row("invalid UTF-8 rows", fmt::format("{}", p.invalid_utf8_rows));
    h += "</table><h2>Fields</h2><table><tr><th>field</th><th>type</th><th>missing</th>"
         "<th>null</th><th>distinct</th><th>mean</th></tr>";
    for (const auto& f : p.fields) {
        std::string mean = f.numeric ? short_number(f.numeric->mean)
                           : f.text  ? short_number(f.text->chars.mean) + " chars"
                                     : "";
        h += fmt::format(
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            html_escape(f.name), html_escape(f.inferred_type), pct(f.missing_rate),
            pct(f.null_rate), f.profiled ? fmt::format("{}", f.distinct) : "-", html_escape(mean));
    }
    h += "</table>";
    for (const auto& f : p.fields)
        h += field_section(f);
    h += "<p class=\"sub\">Generated by llmops data profile. Definitions: docs/profile.md.</p>";
    return h + "</body></html>\n";
}

} // namespace llmops::report
